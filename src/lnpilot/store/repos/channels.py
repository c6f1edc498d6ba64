"""Our channels (open and closed) and their state snapshots over time."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, update

from lnpilot.domain.channel_view import ChannelSnapshot
from lnpilot.domain.node import ClosedChannel, LocalChannel, PendingHtlc
from lnpilot.store.codec import chan_from_db, chan_to_db
from lnpilot.store.records import TrackedChannel
from lnpilot.store.repos.base import Repository
from lnpilot.store.repos.upsert import upsert
from lnpilot.store.tables import channel_snapshots, channels


def _tracked(row: Mapping[Any, Any]) -> TrackedChannel:
    return TrackedChannel(
        chan_id=chan_from_db(row["chan_id"]),
        channel_point=row["channel_point"],
        remote_pubkey=row["remote_pubkey"],
        capacity_sat=row["capacity_sat"],
        private=row["private"],
        initiator=row["initiator"],
        first_seen_at=row["first_seen_at"],
        last_seen_at=row["last_seen_at"],
        closed=row["closed"],
        close_height=row["close_height"],
        close_type=row["close_type"],
        closing_tx_hash=row["closing_tx_hash"],
        settled_balance_sat=row["settled_balance_sat"],
    )


@dataclass(frozen=True, slots=True)
class StoredChannels:
    """Open channels as their latest snapshot saw them, with the snapshots of a look-back."""

    found: list[tuple[LocalChannel, tuple[ChannelSnapshot, ...]]]
    missing: list[TrackedChannel]  # open channels without a snapshot in the look-back
    block_height: int | None  # the chain height at the newest snapshot (None: not recorded)


def _detail(ch: LocalChannel, block_height: int | None) -> dict[str, Any]:
    return {
        "block_height": block_height,
        "commit_fee_sat": ch.commit_fee_sat,
        "local_chan_reserve_sat": ch.local_chan_reserve_sat,
        "remote_chan_reserve_sat": ch.remote_chan_reserve_sat,
        "total_satoshis_sent": ch.total_satoshis_sent,
        "total_satoshis_received": ch.total_satoshis_received,
        "num_updates": ch.num_updates,
        "pending_htlcs": [
            [h.incoming, h.amount_sat, h.expiration_height, h.hash_lock_hex] for h in ch.pending_htlcs
        ],
    }


def _snapshot(r: Mapping[Any, Any]) -> ChannelSnapshot:
    return ChannelSnapshot(
        taken_at=r["taken_at"],
        local_balance_sat=r["local_balance_sat"],
        remote_balance_sat=r["remote_balance_sat"],
        active=r["active"],
        capacity_sat=r["capacity_sat"],
        uptime_s=r["uptime_s"],
        lifetime_s=r["lifetime_s"],
    )


def channel_at(tracked: TrackedChannel, r: Mapping[Any, Any]) -> LocalChannel:
    """The channel as the node reported it when snapshot row ``r`` was taken."""
    detail = r["detail"] or {}
    return LocalChannel(
        chan_id=tracked.chan_id,
        channel_point=tracked.channel_point,
        remote_pubkey=tracked.remote_pubkey,
        capacity_sat=r["capacity_sat"],
        local_balance_sat=r["local_balance_sat"],
        remote_balance_sat=r["remote_balance_sat"],
        active=r["active"],
        private=tracked.private,
        initiator=tracked.initiator,
        commit_fee_sat=int(detail.get("commit_fee_sat", 0)),
        local_chan_reserve_sat=int(detail.get("local_chan_reserve_sat", 0)),
        remote_chan_reserve_sat=int(detail.get("remote_chan_reserve_sat", 0)),
        total_satoshis_sent=int(detail.get("total_satoshis_sent", 0)),
        total_satoshis_received=int(detail.get("total_satoshis_received", 0)),
        num_updates=int(detail.get("num_updates", 0)),
        uptime_s=r["uptime_s"],
        lifetime_s=r["lifetime_s"],
        pending_htlcs=tuple(
            PendingHtlc(bool(h[0]), int(h[1]), int(h[2]), str(h[3])) for h in detail.get("pending_htlcs", ())
        ),
    )


class ChannelRepository(Repository):
    async def record_open(self, open_channels: Iterable[LocalChannel], now: int) -> int:
        """Remember each open channel (first seen stays; last seen moves to ``now``)."""
        count = 0
        for ch in open_channels:
            row = {
                "chan_id": chan_to_db(ch.chan_id),
                "channel_point": ch.channel_point,
                "remote_pubkey": ch.remote_pubkey,
                "capacity_sat": ch.capacity_sat,
                "private": ch.private,
                "initiator": ch.initiator,
                "first_seen_at": now,
                "last_seen_at": now,
                "closed": False,
            }
            update_cols = (
                "channel_point",
                "remote_pubkey",
                "capacity_sat",
                "private",
                "initiator",
                "last_seen_at",
            )
            await upsert(self._conn, channels, row, keys=("chan_id",), update=update_cols)
            count += 1
        return count

    async def record_closed(self, closed: Iterable[ClosedChannel], now: int) -> int:
        """Mark channels closed (adding ones never seen open); returns how many changed state."""
        changed = 0
        for ch in closed:
            db_id = chan_to_db(ch.chan_id)
            known = await self.get(ch.chan_id)
            if known is not None and known.closed:
                continue
            row = {
                "chan_id": db_id,
                "channel_point": ch.channel_point,
                "remote_pubkey": ch.remote_pubkey,
                "capacity_sat": ch.capacity_sat,
                "private": known.private if known else False,
                "initiator": known.initiator if known else False,
                "first_seen_at": known.first_seen_at if known else now,
                "last_seen_at": now,
                "closed": True,
                "close_height": ch.close_height,
                "close_type": ch.close_type,
                "closing_tx_hash": ch.closing_tx_hash or None,
                "settled_balance_sat": ch.settled_balance_sat,
            }
            await upsert(self._conn, channels, row, keys=("chan_id",))
            changed += 1
        return changed

    async def get(self, chan_id: int) -> TrackedChannel | None:
        query = select(channels).where(channels.c.chan_id == chan_to_db(chan_id))
        row = (await self._conn.execute(query)).mappings().first()
        return None if row is None else _tracked(row)

    async def all(self, include_closed: bool = False) -> list[TrackedChannel]:
        query = select(channels)
        if not include_closed:
            query = query.where(channels.c.closed.is_(False))
        rows = (await self._conn.execute(query)).mappings()
        return sorted((_tracked(r) for r in rows), key=lambda c: c.chan_id)

    async def count(self, include_closed: bool = False) -> int:
        query = select(func.count()).select_from(channels)
        if not include_closed:
            query = query.where(channels.c.closed.is_(False))
        return int((await self._conn.execute(query)).scalar_one())

    async def add_snapshots(
        self, open_channels: Iterable[LocalChannel], taken_at: int, block_height: int | None = None
    ) -> int:
        rows = [
            {
                "chan_id": chan_to_db(ch.chan_id),
                "taken_at": taken_at,
                "local_balance_sat": ch.local_balance_sat,
                "remote_balance_sat": ch.remote_balance_sat,
                "active": ch.active,
                "capacity_sat": ch.capacity_sat,
                "uptime_s": ch.uptime_s,
                "lifetime_s": ch.lifetime_s,
                "detail": _detail(ch, block_height),
            }
            for ch in open_channels
        ]
        if rows:
            await self._conn.execute(channel_snapshots.insert(), rows)
        return len(rows)

    async def snapshots(self, chan_id: int, since: int | None = None) -> tuple[ChannelSnapshot, ...]:
        """Snapshots of one channel, oldest first."""
        t = channel_snapshots
        query = select(t).where(t.c.chan_id == chan_to_db(chan_id))
        if since is not None:
            query = query.where(t.c.taken_at >= since)
        rows = (await self._conn.execute(query.order_by(t.c.taken_at, t.c.id))).mappings()
        return tuple(_snapshot(r) for r in rows)

    async def balance_series(self, chan_id: int, since: int, bucket_s: int) -> list[tuple[int, float]]:
        """A channel's local balance since ``since`` for a chart: per ``bucket_s`` of time, the
        newest snapshot time in the bucket and the bucket's mean balance (averaged in the
        database, so a month of 10-minute snapshots is a few hundred rows), oldest first."""
        t = channel_snapshots
        bucket = (t.c.taken_at // max(int(bucket_s), 1)).label("bucket")
        query = (
            select(bucket, func.max(t.c.taken_at), func.avg(t.c.local_balance_sat))
            .where(t.c.chan_id == chan_to_db(chan_id), t.c.taken_at >= since)
            .group_by(bucket)
            .order_by(bucket)
        )
        return [(int(at), float(mean)) for _, at, mean in (await self._conn.execute(query)).all()]

    async def newest_snapshots(self, since: int, chan_id: int | None = None) -> dict[int, ChannelSnapshot]:
        """Each channel's (or one channel's) newest snapshot taken at or after ``since``, in one
        read, by chan_id."""
        t = channel_snapshots
        newest_q = select(t.c.chan_id, func.max(t.c.taken_at).label("at")).where(t.c.taken_at >= since)
        if chan_id is not None:
            newest_q = newest_q.where(t.c.chan_id == chan_to_db(chan_id))
        newest = newest_q.group_by(t.c.chan_id).subquery()
        query = (
            select(
                t.c.chan_id,
                t.c.taken_at,
                t.c.local_balance_sat,
                t.c.remote_balance_sat,
                t.c.active,
                t.c.capacity_sat,
                t.c.uptime_s,
                t.c.lifetime_s,
            )
            .join(newest, (t.c.chan_id == newest.c.chan_id) & (t.c.taken_at == newest.c.at))
            .order_by(t.c.chan_id, t.c.id)
        )
        out: dict[int, ChannelSnapshot] = {}
        for r in (await self._conn.execute(query)).mappings():
            out[chan_from_db(r["chan_id"])] = _snapshot(r)  # the last row of a tie wins
        return out

    async def open_with_snapshots(self, since: int) -> StoredChannels:
        """Every open channel with its snapshots since ``since`` (oldest first), in two reads."""
        tracked = {c.chan_id: c for c in await self.all()}
        t = channel_snapshots
        query = select(t).where(t.c.taken_at >= since).order_by(t.c.chan_id, t.c.taken_at, t.c.id)
        per: dict[int, list[Mapping[Any, Any]]] = {}
        for r in (await self._conn.execute(query)).mappings():
            chan_id = chan_from_db(r["chan_id"])
            if chan_id in tracked:
                per.setdefault(chan_id, []).append(r)
        found = []
        newest: tuple[int, int | None] | None = None
        for chan_id, chan in tracked.items():
            rows = per.get(chan_id)
            if rows:
                found.append((channel_at(chan, rows[-1]), tuple(_snapshot(r) for r in rows)))
                at, height = rows[-1]["taken_at"], (rows[-1]["detail"] or {}).get("block_height")
                if newest is None or at > newest[0]:
                    newest = (at, height)
        missing = [c for c in tracked.values() if c.chan_id not in per]
        return StoredChannels(found, missing, None if newest is None or newest[1] is None else int(newest[1]))

    async def prune_snapshots(self, before: int) -> int:
        result = await self._conn.execute(
            delete(channel_snapshots).where(channel_snapshots.c.taken_at < before)
        )
        return max(result.rowcount, 0)

    async def touch(self, chan_id: int, now: int) -> None:
        await self._conn.execute(
            update(channels).where(channels.c.chan_id == chan_to_db(chan_id)).values(last_seen_at=now)
        )
