"""Alembic environment: always handed a live connection by ``lnpilot.store.migrate``."""

from __future__ import annotations

from alembic import context

from lnpilot.store.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reachable through the alembic CLI without lnpilot
    raise RuntimeError("run migrations through `lnpilot db upgrade`")
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
