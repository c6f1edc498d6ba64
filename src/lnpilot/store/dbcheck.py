"""``lnpilot db check``: is the schema at head and can every table be read?"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from lnpilot.store import migrate
from lnpilot.store.tables import metadata


@dataclass(frozen=True, slots=True)
class CheckReport:
    revision: str | None
    head: str | None
    rows: dict[str, int] = field(default_factory=dict)
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


async def check_store(engine: AsyncEngine) -> CheckReport:
    """Read the revision, count every table's rows, and on SQLite run its integrity check."""
    revision = await migrate.current_revision(engine)
    head = migrate.head_revision()
    problems: list[str] = []
    if revision != head:
        problems.append(
            f"schema at revision {revision or 'none'}, not at head {head} (run `lnpilot db upgrade`)"
        )
    rows: dict[str, int] = {}
    if revision is not None:
        async with engine.connect() as conn:
            for table in metadata.sorted_tables:
                try:
                    rows[table.name] = int(
                        (await conn.execute(select(func.count()).select_from(table))).scalar_one()
                    )
                except Exception as exc:  # a report of every unreadable table, not the first one only
                    problems.append(f"table {table.name} unreadable: {type(exc).__name__}")
                    await conn.rollback()
            if engine.dialect.name == "sqlite":
                verdict = (await conn.exec_driver_sql("PRAGMA integrity_check")).scalar_one()
                if verdict != "ok":
                    problems.append(f"SQLite integrity check: {verdict}")
    return CheckReport(revision, head, rows, tuple(problems))
