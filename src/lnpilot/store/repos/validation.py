"""Validation history: when each channel last changed, for cooldowns and daily limits."""

from __future__ import annotations

from sqlalchemy import func, select

from lnpilot.store.codec import chan_from_db, chan_to_db
from lnpilot.store.repos.base import Repository
from lnpilot.store.tables import validation_history as t


class ValidationRepository(Repository):
    async def record(
        self,
        chan_id: int,
        changed_at: int,
        kind: str = "policy",
        peer_pubkey: str | None = None,
        tx_id: int | None = None,
        cost_msat: int | None = None,
    ) -> None:
        await self._conn.execute(
            t.insert().values(
                chan_id=chan_to_db(chan_id),
                changed_at=changed_at,
                kind=kind,
                peer_pubkey=peer_pubkey,
                tx_id=tx_id,
                cost_msat=cost_msat,
            )
        )

    async def last_change_at(self, chan_id: int, kind: str = "policy") -> int | None:
        query = select(func.max(t.c.changed_at)).where(t.c.chan_id == chan_to_db(chan_id), t.c.kind == kind)
        value = (await self._conn.execute(query)).scalar_one()
        return None if value is None else int(value)

    async def count_for_channel(self, chan_id: int, since: int, kind: str = "policy") -> int:
        query = select(func.count()).where(
            t.c.chan_id == chan_to_db(chan_id), t.c.kind == kind, t.c.changed_at >= since
        )
        return int((await self._conn.execute(query)).scalar_one())

    async def count_for_peer(self, peer_pubkey: str, since: int, kind: str = "policy") -> int:
        query = select(func.count()).where(
            t.c.peer_pubkey == peer_pubkey, t.c.kind == kind, t.c.changed_at >= since
        )
        return int((await self._conn.execute(query)).scalar_one())

    async def count_total(self, since: int, kind: str = "policy") -> int:
        """Changes across our whole node since ``since`` (the per-node daily limit)."""
        query = select(func.count()).where(t.c.kind == kind, t.c.changed_at >= since)
        return int((await self._conn.execute(query)).scalar_one())

    async def changes_since(self, since: int, kind: str = "policy") -> list[tuple[int, int]]:
        """``(chan_id, changed_at)`` of every change since ``since``, oldest first."""
        query = select(t.c.chan_id, t.c.changed_at).where(t.c.changed_at >= since, t.c.kind == kind)
        rows = (await self._conn.execute(query.order_by(t.c.changed_at))).all()
        return [(chan_from_db(r[0]), int(r[1])) for r in rows]

    async def rebalances_since(self, since: int) -> list[tuple[int, int, int]]:
        """``(chan_id, at, cost_msat)`` of every rebalance since ``since`` (unknown cost: 0)."""
        query = select(t.c.chan_id, t.c.changed_at, t.c.cost_msat).where(
            t.c.changed_at >= since, t.c.kind == "rebalance"
        )
        rows = (await self._conn.execute(query.order_by(t.c.changed_at))).all()
        return [(chan_from_db(r[0]), int(r[1]), int(r[2] or 0)) for r in rows]
