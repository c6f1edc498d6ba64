"""The ``store`` fixture: every store test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from lnpilot.store import Store
from lnpilot.store.tables import metadata
from tests.conftest import require_service
from tests.store.databases import fresh_postgres


@pytest.fixture(scope="session")
def pg_database_url() -> Iterator[str]:
    """One fresh PostgreSQL database for the session (tables are emptied after each test)."""
    url = require_service("LNPILOT_TEST_POSTGRES_URL", "PostgreSQL")
    with fresh_postgres(url) as db_url:
        yield db_url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
    return str(request.getfixturevalue("pg_database_url"))


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    opened = await Store.open_url(database_url)
    try:
        yield opened
    finally:
        if opened.kind == "postgresql":
            names = ", ".join(t.name for t in metadata.sorted_tables)
            async with opened.engine.begin() as conn:
                await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        await opened.close()


@pytest.fixture
def cli_logging() -> Iterator[None]:
    """CLI runs point structlog at the captured stderr; restore defaults so later tests can log."""
    yield
    import logging

    import structlog

    structlog.reset_defaults()
    logging.getLogger().handlers = []
