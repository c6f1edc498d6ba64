"""The policy history of our channels: who changed what, when."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select

from lnpilot.domain.channel_view import PolicyChange
from lnpilot.domain.graph import RoutingPolicy
from lnpilot.store.codec import chan_from_db, chan_to_db, policy_from_json, policy_to_json
from lnpilot.store.repos.base import Repository
from lnpilot.store.tables import policy_changes as t


def _change(row: Mapping[Any, Any]) -> PolicyChange:
    new = policy_from_json(row["new_policy"])
    assert new is not None  # the column is NOT NULL
    return PolicyChange(
        changed_at=row["changed_at"], old=policy_from_json(row["old_policy"]), new=new, source=row["source"]
    )


class PolicyRepository(Repository):
    async def add(self, chan_id: int, change: PolicyChange) -> None:
        await self._conn.execute(
            t.insert().values(
                chan_id=chan_to_db(chan_id),
                changed_at=change.changed_at,
                source=change.source,
                old_policy=policy_to_json(change.old),
                new_policy=policy_to_json(change.new),
            )
        )

    async def latest(self, chan_id: int) -> PolicyChange | None:
        query = (
            select(t).where(t.c.chan_id == chan_to_db(chan_id)).order_by(t.c.changed_at.desc(), t.c.id.desc())
        )
        row = (await self._conn.execute(query.limit(1))).mappings().first()
        return None if row is None else _change(row)

    async def current(self, chan_id: int) -> RoutingPolicy | None:
        latest = await self.latest(chan_id)
        return None if latest is None else latest.new

    async def current_all(self) -> dict[int, RoutingPolicy]:
        """chan_id -> the newest stored policy, in one read (the newest change per channel)."""
        newest = select(t.c.chan_id, func.max(t.c.changed_at).label("at")).group_by(t.c.chan_id).subquery()
        query = (
            select(t)
            .join(newest, (t.c.chan_id == newest.c.chan_id) & (t.c.changed_at == newest.c.at))
            .order_by(t.c.id)
        )
        out: dict[int, RoutingPolicy] = {}
        for row in (await self._conn.execute(query)).mappings():
            out[chan_from_db(row["chan_id"])] = _change(row).new  # ties: the last written wins
        return out

    async def history_all(self, since: int | None = None) -> dict[int, tuple[PolicyChange, ...]]:
        """chan_id -> its changes since ``since``, oldest first, in one read."""
        query = select(t)
        if since is not None:
            query = query.where(t.c.changed_at >= since)
        per: dict[int, list[PolicyChange]] = {}
        for row in (await self._conn.execute(query.order_by(t.c.changed_at, t.c.id))).mappings():
            per.setdefault(chan_from_db(row["chan_id"]), []).append(_change(row))
        return {chan_id: tuple(changes) for chan_id, changes in per.items()}

    async def history(self, chan_id: int, since: int | None = None) -> tuple[PolicyChange, ...]:
        """Changes of one channel, oldest first."""
        query = select(t).where(t.c.chan_id == chan_to_db(chan_id))
        if since is not None:
            query = query.where(t.c.changed_at >= since)
        rows = (await self._conn.execute(query.order_by(t.c.changed_at, t.c.id))).mappings()
        return tuple(_change(r) for r in rows)
