"""The last synced point per kind of data ("forwards", "channels", "graph", ...)."""

from __future__ import annotations

from sqlalchemy import delete, select

from lnpilot.store.records import Coverage, NodeFeeSums, SyncMark
from lnpilot.store.repos.base import Repository
from lnpilot.store.repos.upsert import upsert
from lnpilot.store.tables import sync_state as t

# The sync job's mark that the backend gave no per-channel forwards (LNbits) at its run; the views
# then estimate each channel's flow from its balance snapshots.
FORWARDS_UNAVAILABLE = "forwards_unavailable"
# The same for any source the ledger reads (``unavailable_mark("chain")``, ``...("payments")``):
# what the backend cannot give is "not measured", not "no sync has run yet".
UNAVAILABLE_SUFFIX = "_unavailable"


def unavailable_mark(kind: str) -> str:
    return kind + UNAVAILABLE_SUFFIX


# The node's fee sums of the latest fee report, one mark per period: ``high_water`` holds the sum in
# sat. Only the latest report is kept: a rolling sum is a figure as of its sync, not a series.
NODE_FEE_SUM_KINDS = ("node_fee_sum_day", "node_fee_sum_week", "node_fee_sum_month")


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

    async def forwards_measured(self) -> bool:
        """False when the latest sync found no per-channel forwards to read (LNbits)."""
        unavailable = await self.get(FORWARDS_UNAVAILABLE)
        if unavailable is None:
            return True
        synced = await self.get("forwards")
        return synced is not None and synced.synced_at >= unavailable.synced_at

    async def coverage(self, kind: str) -> Coverage:
        """Whether ``kind`` ("chain", "payments") was read by a sync, is not read yet, or is beyond
        the backend (its unavailable mark is newer than its last sync)."""
        synced = await self.get(kind)
        unavailable = await self.get(unavailable_mark(kind))
        if unavailable is not None and (synced is None or synced.synced_at < unavailable.synced_at):
            return Coverage.NOT_MEASURED
        return Coverage.NOT_SYNCED if synced is None else Coverage.MEASURED

    async def set_node_fee_sums(self, sums: NodeFeeSums) -> None:
        """Replace the stored fee sums; a period the backend left out is removed, not kept stale."""
        values = (sums.day_sat, sums.week_sat, sums.month_sat)
        for kind, value in zip(NODE_FEE_SUM_KINDS, values, strict=True):
            if value is None:
                await self._conn.execute(delete(t).where(t.c.kind == kind))
            else:
                await self.set(kind, sums.reported_at, value)

    async def node_fee_sums(self) -> NodeFeeSums | None:
        """The fee sums of the latest fee report; None when no sync stored any."""
        marks = [await self.get(kind) for kind in NODE_FEE_SUM_KINDS]
        present = [m for m in marks if m is not None]
        if not present:
            return None
        day, week, month = (None if m is None else m.high_water for m in marks)
        return NodeFeeSums(max(m.synced_at for m in present), day, week, month)
