"""Run the Alembic migrations packaged in ``lnpilot.store.migrations`` programmatically."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# Alembic announces its dialect on every start at INFO; callers report what was upgraded instead.
logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def upgrade(engine: AsyncEngine, revision: str = "head") -> str | None:
    """Bring the schema to ``revision``; returns the revision now in place."""
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: command.upgrade(alembic_config(sync), revision))
    return await current_revision(engine)


async def downgrade(engine: AsyncEngine, revision: str) -> str | None:
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: command.downgrade(alembic_config(sync), revision))
    return await current_revision(engine)


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        return await conn.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())


def run_env() -> None:
    """Body of ``migrations/env.py``: migrate on the live connection ``alembic_config`` carries."""
    from alembic import context

    from lnpilot.store.tables import metadata

    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run lnpilot's migrations through `lnpilot db upgrade`, not the alembic CLI")
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
