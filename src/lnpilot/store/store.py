"""The store: an engine on the configured database, migrated on open, handing out units of work."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from lnpilot.settings import Settings, StoreSettings
from lnpilot.store import migrate
from lnpilot.store.backup import backup_before_upgrade
from lnpilot.store.engine import database_errors, database_kind, make_engine
from lnpilot.store.uow import UnitOfWork

_DAY_S = 86_400
# Score history keeps every changed point this long, then one point per subject and day.
SCORE_HISTORY_FULL_DAYS = 7


@dataclass(frozen=True, slots=True)
class PruneReport:
    channel_snapshots: int
    graph_snapshots: int
    score_history: int
    htlc_failures: int = 0


async def _ensure_schema(engine: AsyncEngine, url: str) -> None:
    """Create a fleet node's schema (``?lnpilot_schema=``) before its first migration."""
    from sqlalchemy import text

    from lnpilot.store.engine import url_schema

    schema = url_schema(url)
    if schema is not None:  # validated: lowercase letters, digits and '_' only
        async with engine.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))


class Store:
    def __init__(self, engine: AsyncEngine, retention: StoreSettings | None = None) -> None:
        self.engine = engine
        self.retention = retention or StoreSettings()

    @classmethod
    async def open(cls, settings: Settings, run_migrations: bool = True) -> Store:
        if settings.database_url is None:  # the default SQLite file lives in the data dir
            from lnpilot.fsperms import ensure_private_dir

            ensure_private_dir(settings.data_dir)
        return await cls.open_url(
            settings.database_url_effective, settings.store, run_migrations, settings.data_dir / "backups"
        )

    @classmethod
    async def open_url(
        cls,
        url: str,
        retention: StoreSettings | None = None,
        run_migrations: bool = True,
        backup_dir: Path | None = None,
    ) -> Store:
        engine = make_engine(url)
        try:
            async with database_errors(url):
                if run_migrations:
                    await _ensure_schema(engine, url)
                    if backup_dir is not None:  # existing data gets a copy before any migration
                        await backup_before_upgrade(engine, url, backup_dir)
                    await migrate.upgrade(engine)
                else:  # still fail here, with a clear message, rather than at first use
                    async with engine.connect():
                        pass
        except BaseException:
            await engine.dispose()
            raise
        return cls(engine, retention)

    @property
    def kind(self) -> str:
        """``sqlite`` or ``postgresql`` (never the URL: it may carry a password)."""
        return database_kind(self.engine.url.render_as_string(hide_password=True))

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self.engine)

    async def prune(self, now: int) -> PruneReport:
        """Apply the retention settings: drop history older than each configured age (0 keeps all)."""
        r = self.retention
        async with self.unit_of_work() as uow:
            channels = (
                await uow.channels.prune_snapshots(now - int(r.channel_snapshot_retention_days * _DAY_S))
                if r.channel_snapshot_retention_days
                else 0
            )
            graphs = (
                await uow.graph.prune(now - int(r.graph_snapshot_retention_days * _DAY_S))
                if r.graph_snapshot_retention_days
                else 0
            )
            scores = (
                await uow.scores.prune_history(now - int(r.score_history_retention_days * _DAY_S))
                if r.score_history_retention_days
                else 0
            )
            htlc = (
                await uow.htlc.prune(now - int(r.htlc_failure_retention_days * _DAY_S))
                if r.htlc_failure_retention_days
                else 0
            )
            # Past the full-resolution span, one point per subject and day (issue 17 item 23).
            scores += await uow.scores.compact_history(now - int(SCORE_HISTORY_FULL_DAYS * _DAY_S))
        return PruneReport(channels, graphs, scores, htlc)

    async def close(self) -> None:
        await self.engine.dispose()
