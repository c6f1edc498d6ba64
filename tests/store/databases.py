"""Fresh, throw-away databases for the store suite: a SQLite file or a new PostgreSQL database."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

import asyncpg
from sqlalchemy.engine import make_url


def _admin_dsn(url: str) -> tuple[str, str]:
    """(plain asyncpg DSN of the server's maintenance database, the URL's own database)."""
    parsed = make_url(url)
    plain = parsed.set(drivername="postgresql", database="postgres")
    return plain.render_as_string(hide_password=False), parsed.database or "postgres"


async def _admin(url: str, sql: str) -> None:
    dsn, _ = _admin_dsn(url)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextmanager
def fresh_postgres(url: str) -> Iterator[str]:
    """Create ``lnpilot_test_<random>`` on the server of ``url``; yield its URL; drop it after."""
    name = f"lnpilot_test_{secrets.token_hex(6)}"
    asyncio.run(_admin(url, f'CREATE DATABASE "{name}"'))
    try:
        yield (
            make_url(url)
            .set(drivername="postgresql+asyncpg", database=name)
            .render_as_string(hide_password=False)
        )
    finally:
        asyncio.run(_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@asynccontextmanager
async def fresh_postgres_async(url: str) -> AsyncIterator[str]:
    """``fresh_postgres`` for tests already inside an event loop."""
    name = f"lnpilot_test_{secrets.token_hex(6)}"
    await _admin(url, f'CREATE DATABASE "{name}"')
    try:
        yield (
            make_url(url)
            .set(drivername="postgresql+asyncpg", database=name)
            .render_as_string(hide_password=False)
        )
    finally:
        await _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
