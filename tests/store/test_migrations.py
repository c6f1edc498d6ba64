"""Migrations build the schema the code expects, on an empty SQLite and an empty PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from lnpilot.errors import ConfigError
from lnpilot.store import Store, migrate
from lnpilot.store.engine import database_kind, make_engine, normalise_url
from lnpilot.store.tables import metadata
from tests.store.databases import fresh_postgres_async


async def _check_fresh_database(url: str) -> None:
    engine = make_engine(url)
    try:
        assert await migrate.current_revision(engine) is None
        assert await migrate.upgrade(engine) == migrate.head_revision()
        async with engine.connect() as conn:
            tables = set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))
            # The migrated schema is exactly what tables.py declares: no drift either way.
            diff = await conn.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": True}), metadata
                )
            )
        assert {t.name for t in metadata.sorted_tables} <= tables
        assert diff == []
        # Running again is a no-op; downgrading to nothing removes every table.
        assert await migrate.upgrade(engine) == migrate.head_revision()
        assert await migrate.downgrade(engine, "base") is None
        async with engine.connect() as conn:
            left = set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))
        assert not left & {t.name for t in metadata.sorted_tables}
    finally:
        await engine.dispose()


async def test_migrations_on_empty_sqlite(tmp_path: Path) -> None:
    await _check_fresh_database(f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}")


@pytest.mark.service
async def test_migrations_on_empty_postgres(postgres_url: str) -> None:
    async with fresh_postgres_async(postgres_url) as url:
        await _check_fresh_database(url)


async def test_store_open_runs_migrations(tmp_path: Path) -> None:
    store = await Store.open_url(f"sqlite:///{tmp_path / 'sub' / 'x.db'}")
    try:
        assert store.kind == "sqlite"
        assert await migrate.current_revision(store.engine) == migrate.head_revision()
    finally:
        await store.close()


def test_url_normalisation_picks_async_drivers() -> None:
    assert normalise_url("postgresql://u:pw@h/db").startswith("postgresql+asyncpg://u:pw@h/db")
    assert normalise_url("postgres://h/db").startswith("postgresql+asyncpg://")
    assert normalise_url("sqlite:///x.db") == "sqlite+aiosqlite:///x.db"
    assert database_kind("postgresql://u:secretpw@h/db") == "postgresql"


@pytest.mark.parametrize("url", ["mysql://h/db", "not a url"])
def test_unsupported_urls_are_config_errors_without_secrets(url: str) -> None:
    with pytest.raises(ConfigError) as info:
        normalise_url(url)
    assert "DATABASE_URL" in str(info.value)


def test_password_never_in_error() -> None:
    with pytest.raises(ConfigError) as info:
        normalise_url("mysql://user:hunter2pw@h/db")
    assert "hunter2pw" not in str(info.value)


def test_migrations_through_a_plain_connection(tmp_path: Path) -> None:
    """The same scripts driven synchronously (as the alembic API allows), up and back down."""
    from alembic import command
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{tmp_path / 'sync.db'}")
    try:
        with engine.begin() as conn:
            command.upgrade(migrate.alembic_config(conn), "head")
            assert {t.name for t in metadata.sorted_tables} <= set(inspect(conn).get_table_names())
            command.downgrade(migrate.alembic_config(conn), "base")
            assert not {t.name for t in metadata.sorted_tables} & set(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def test_each_revision_script_builds_and_drops_its_tables(tmp_path: Path) -> None:
    """Run every revision's operations directly, in order up and in reverse back down."""
    from alembic.operations import Operations
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine

    scripts = ScriptDirectory.from_config(migrate.alembic_config(None))
    revisions = list(reversed(list(scripts.walk_revisions())))  # base first
    assert len(scripts.get_heads()) == 1, f"migrations must form one line, heads: {scripts.get_heads()}"
    engine = create_engine(f"sqlite:///{tmp_path / 'direct.db'}")
    try:
        with engine.begin() as conn, Operations.context(MigrationContext.configure(conn)):
            for rev in revisions:
                rev.module.upgrade()
            assert {t.name for t in metadata.sorted_tables} <= set(inspect(conn).get_table_names())
            for rev in reversed(revisions):
                rev.module.downgrade()
            assert not {t.name for t in metadata.sorted_tables} & set(inspect(conn).get_table_names())
    finally:
        engine.dispose()


async def test_alembic_cli_without_lnpilot_is_refused() -> None:
    from alembic.runtime.environment import EnvironmentContext
    from alembic.script import ScriptDirectory

    config = migrate.alembic_config(None)
    with (
        EnvironmentContext(config, ScriptDirectory.from_config(config)),
        pytest.raises(RuntimeError, match="lnpilot"),
    ):
        migrate.run_env()


async def test_unreachable_database_is_one_clear_error_without_password() -> None:
    from lnpilot.store.engine import StoreUnavailable

    with pytest.raises(StoreUnavailable) as info:
        await Store.open_url("postgresql://lnpilot:pw-Sup3rSecret@127.0.0.1:1/lnpilot")
    assert "127.0.0.1:1/lnpilot" in str(info.value) and "Sup3rSecret" not in str(info.value)
    with pytest.raises(StoreUnavailable):
        await Store.open_url("postgresql://lnpilot@127.0.0.1:1/lnpilot", run_migrations=False)


@pytest.mark.service
async def test_missing_postgres_database_is_reported(postgres_url: str) -> None:
    from sqlalchemy.engine import make_url

    from lnpilot.store.engine import StoreUnavailable

    url = make_url(postgres_url).set(database="lnpilot_no_such_db").render_as_string(hide_password=False)
    with pytest.raises(StoreUnavailable, match="does not exist"):
        await Store.open_url(url)


async def test_other_errors_pass_through(tmp_path: Path) -> None:
    from lnpilot.store.engine import database_errors

    with pytest.raises(KeyError):
        async with database_errors(f"sqlite:///{tmp_path / 'x.db'}"):
            raise KeyError("not a database problem")
