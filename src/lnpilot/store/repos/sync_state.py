"""The last synced point per kind of data ("forwards", "channels", "graph", ...)."""

from __future__ import annotations

from sqlalchemy import select

from lnpilot.store.records import SyncMark
from lnpilot.store.repos.base import Repository
from lnpilot.store.repos.upsert import upsert
from lnpilot.store.tables import sync_state as t

# The sync job's mark that the backend gave no per-channel forwards (LNbits) at its run; the views
# then estimate each channel's flow from its balance snapshots.
FORWARDS_UNAVAILABLE = "forwards_unavailable"


class SyncStateRepository(Repository):
    async def get(self, kind: str) -> SyncMark | None:
        row = (await self._conn.execute(select(t).where(t.c.kind == kind))).mappings().first()
        return None if row is None else SyncMark(row["kind"], row["synced_at"], row["high_water"])

    async def set(self, kind: str, synced_at: int, high_water: int | None = None) -> None:
        await upsert(
            self._conn, t, {"kind": kind, "synced_at": synced_at, "high_water": high_water}, keys=("kind",)
        )

    async def all(self) -> list[SyncMark]:
        rows = (await self._conn.execute(select(t).order_by(t.c.kind))).mappings()
        return [SyncMark(r["kind"], r["synced_at"], r["high_water"]) for r in rows]
