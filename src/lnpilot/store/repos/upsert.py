"""INSERT ... ON CONFLICT DO UPDATE for both dialects (their syntax is the same, their builders differ)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection


async def upsert(
    conn: AsyncConnection,
    table: Table,
    row: Mapping[Any, Any],
    keys: Sequence[str],
    update: Sequence[str] | None = None,
) -> None:
    """Insert ``row``, or on a conflict over ``keys`` overwrite the ``update`` columns (default: all)."""
    builder = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    stmt = builder(table).values(**row)
    columns = update if update is not None else [c for c in row if c not in keys]
    stmt = stmt.on_conflict_do_update(index_elements=list(keys), set_={c: stmt.excluded[c] for c in columns})
    await conn.execute(stmt)
