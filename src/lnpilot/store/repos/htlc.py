"""HTLC failures and the subscription windows that say when failures were being watched."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from lnpilot.domain.htlc import LIQUIDITY_DETAIL, CoverageWindow, HtlcEvent
from lnpilot.store.codec import chan_from_db, chan_to_db
from lnpilot.store.repos.base import Repository
from lnpilot.store.tables import htlc_failures as f
from lnpilot.store.tables import htlc_windows as w

STORED_KINDS = frozenset({"link_fail", "forward_fail"})


class HtlcRepository(Repository):
    async def add_failures(self, events: Iterable[HtlcEvent]) -> int:
        """Store the failure events (others are skipped: forwards come from /v1/switch); dedup by key."""
        rows = [
            {
                "timestamp_ns": e.timestamp_ns,
                "kind": e.kind,
                "incoming_chan_id": chan_to_db(e.incoming_chan_id),
                "outgoing_chan_id": chan_to_db(e.outgoing_chan_id),
                "incoming_htlc_id": chan_to_db(e.incoming_htlc_id),
                "outgoing_htlc_id": chan_to_db(e.outgoing_htlc_id),
                "incoming_amt_msat": e.incoming_amt_msat,
                "outgoing_amt_msat": e.outgoing_amt_msat,
                "wire_failure": e.wire_failure,
                "failure_detail": e.failure_detail,
                "failure_string": e.failure_string,
            }
            for e in events
            if e.kind in STORED_KINDS
        ]
        if not rows:
            return 0
        dialect_insert = pg_insert if self._dialect == "postgresql" else sqlite_insert
        result = await self._conn.execute(dialect_insert(f).on_conflict_do_nothing(), rows)
        return max(result.rowcount, 0)

    async def open_window(self, at_s: int) -> int:
        """A new window; its end follows the events (``extend_window``) until it is closed."""
        result = await self._conn.execute(insert(w).values(started_at=at_s, ended_at=at_s, end_reason="open"))
        return int(result.inserted_primary_key[0])  # type: ignore[index]

    async def extend_window(self, window_id: int, at_s: int) -> None:
        await self._conn.execute(
            update(w).where(w.c.id == window_id, w.c.ended_at < at_s).values(ended_at=at_s)
        )

    async def close_window(self, window_id: int, at_s: int, reason: str) -> None:
        await self._conn.execute(
            update(w).where(w.c.id == window_id).values(ended_at=at_s, end_reason=reason[:500])
        )

    async def windows(self, since_s: int, until_s: int) -> list[CoverageWindow]:
        query = (
            select(w)
            .where(w.c.started_at < until_s)
            .where((w.c.ended_at.is_(None)) | (w.c.ended_at > since_s))
            .order_by(w.c.started_at, w.c.id)
        )
        rows = (await self._conn.execute(query)).mappings()
        return [CoverageWindow(r["started_at"], r["ended_at"], r["end_reason"]) for r in rows]

    async def failures(self, since_ns: int, until_ns: int) -> list[HtlcEvent]:
        query = (
            select(f)
            .where(f.c.timestamp_ns >= since_ns, f.c.timestamp_ns < until_ns)
            .order_by(f.c.timestamp_ns, f.c.id)
        )
        rows = (await self._conn.execute(query)).mappings()
        return [
            HtlcEvent(
                timestamp_ns=r["timestamp_ns"],
                kind=r["kind"],
                event_type="FORWARD",
                incoming_chan_id=chan_from_db(r["incoming_chan_id"]),
                outgoing_chan_id=chan_from_db(r["outgoing_chan_id"]),
                incoming_htlc_id=chan_from_db(r["incoming_htlc_id"]),
                outgoing_htlc_id=chan_from_db(r["outgoing_htlc_id"]),
                incoming_amt_msat=r["incoming_amt_msat"],
                outgoing_amt_msat=r["outgoing_amt_msat"],
                wire_failure=r["wire_failure"],
                failure_detail=r["failure_detail"],
                failure_string=r["failure_string"],
            )
            for r in rows
        ]

    async def liquidity_counts(self, since_ns: int, until_ns: int) -> dict[int, int]:
        """Liquidity refusals per outgoing channel in [since_ns, until_ns)."""
        query = (
            select(f.c.outgoing_chan_id, func.count())
            .where(f.c.timestamp_ns >= since_ns, f.c.timestamp_ns < until_ns)
            .where(f.c.kind == "link_fail", f.c.failure_detail == LIQUIDITY_DETAIL)
            .group_by(f.c.outgoing_chan_id)
        )
        return {chan_from_db(c): int(n) for c, n in (await self._conn.execute(query)).all()}

    async def prune(self, before_s: int) -> int:
        result = await self._conn.execute(delete(f).where(f.c.timestamp_ns < before_s * 1_000_000_000))
        await self._conn.execute(delete(w).where(w.c.ended_at.is_not(None), w.c.ended_at < before_s))
        return max(result.rowcount, 0)
