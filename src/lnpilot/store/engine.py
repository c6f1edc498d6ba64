"""Engine creation for both dialects; SQLite gets WAL and enforced foreign keys."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from lnpilot.errors import ConfigError, LnpilotError
from lnpilot.logs import redact_text
from lnpilot.settings import SCHEMA_PARAM

_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
}


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` / ``sqlite://`` and pick the async driver lnpilot ships with."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError("DATABASE_URL is not a valid database URL") from None
    backend = parsed.get_backend_name()
    if backend not in _DRIVERS:
        raise ConfigError(f"DATABASE_URL: unsupported database {backend!r} (use sqlite or postgresql)")
    return parsed.set(drivername=_DRIVERS[backend]).render_as_string(hide_password=False)


class StoreUnavailable(LnpilotError):
    """The database cannot be reached or refused us (message without credentials)."""

    code = "store-unavailable"


@asynccontextmanager
async def database_errors(url: str) -> AsyncIterator[None]:
    """Turn driver and socket errors into one ``StoreUnavailable`` line that names no secret."""
    try:
        yield
    except Exception as exc:
        # asyncpg raises its own exceptions while connecting, before SQLAlchemy can wrap them.
        driver = type(exc).__module__.startswith(("asyncpg", "sqlite3", "aiosqlite"))
        if not (driver or isinstance(exc, OSError | DBAPIError)):
            raise
        parsed = make_url(normalise_url(url))
        detail = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        if parsed.password:
            detail = detail.replace(str(parsed.password), "***")
        where = f"{parsed.host}:{parsed.port or ''}/{parsed.database}" if parsed.host else parsed.database
        raise StoreUnavailable(
            f"cannot use the {parsed.get_backend_name()} database {where}: {redact_text(detail)}"
        ) from None


def database_kind(url: str) -> str:
    """``sqlite`` or ``postgresql``; never includes credentials."""
    return make_url(normalise_url(url)).get_backend_name()


def url_schema(url: str) -> str | None:
    """The schema a PostgreSQL URL names with ``?lnpilot_schema=`` (a fleet node's own tables)."""
    schema = make_url(url).query.get(SCHEMA_PARAM)
    if schema is None:
        return None
    if not isinstance(schema, str) or not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", schema):
        raise ConfigError(f"DATABASE_URL: {SCHEMA_PARAM} must be a lowercase schema name")
    return schema


def make_engine(url: str) -> AsyncEngine:
    url = normalise_url(url)
    parsed = make_url(url)
    kwargs: dict[str, Any] = {}
    schema = url_schema(url)
    if schema is not None:
        if parsed.get_backend_name() != "postgresql":
            raise ConfigError(f"DATABASE_URL: {SCHEMA_PARAM} is for PostgreSQL only")
        # The node's schema first and alone: its tables, its alembic_version, nothing shared.
        parsed = parsed.difference_update_query([SCHEMA_PARAM])
        url = parsed.render_as_string(hide_password=False)
        kwargs["connect_args"] = {"server_settings": {"search_path": schema}}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            from lnpilot.fsperms import DIR_MODE, ensure_private_file

            # New directories are private (0700); the database file and its WAL are 0600.
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
            ensure_private_file(Path(parsed.database))
        kwargs["connect_args"] = {"timeout": 30}
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_async_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the API read while the daemon writes; NORMAL sync is durable at commit in WAL mode
    # except on power loss, where the forwards re-sync from the high-water mark anyway.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # 32 MiB of page cache (default 2 MiB): bulk forward ingest maintains four B-trees at once.
    cursor.execute("PRAGMA cache_size=-32768")
    cursor.close()
