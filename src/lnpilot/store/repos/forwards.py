"""Forwarding events: bulk, deduplicated inserts on their natural key, and time-range reads."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import func, or_, select, text

from lnpilot.domain.node import ForwardingEvent
from lnpilot.store.codec import chan_from_db, chan_to_db
from lnpilot.store.repos.base import Repository
from lnpilot.store.tables import forwarding_events as t

_SQLITE_INSERT = (
    "INSERT INTO forwarding_events (timestamp_ns, chan_id_in, chan_id_out, amt_in_msat, amt_out_msat, "
    "fee_msat) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
)
# One statement per chunk: asyncpg sends six arrays instead of one round of parameters per row.
_PG_INSERT = text(
    "INSERT INTO forwarding_events (timestamp_ns, chan_id_in, chan_id_out, amt_in_msat, amt_out_msat, "
    "fee_msat) SELECT * FROM unnest(CAST(:ts AS BIGINT[]), CAST(:cin AS BIGINT[]), "
    "CAST(:cout AS BIGINT[]), CAST(:ain AS BIGINT[]), CAST(:aout AS BIGINT[]), CAST(:fee AS BIGINT[])) "
    "ON CONFLICT DO NOTHING"
)
CHUNK = 20_000


class ForwardRepository(Repository):
    async def add_many(self, events: Iterable[ForwardingEvent]) -> int:
        """Insert events not stored yet; returns how many were new (duplicates are skipped)."""
        added = 0
        chunk: list[tuple[int, int, int, int, int, int]] = []
        for e in events:
            chunk.append(
                (
                    e.timestamp_ns,
                    chan_to_db(e.chan_id_in),
                    chan_to_db(e.chan_id_out),
                    e.amt_in_msat,
                    e.amt_out_msat,
                    e.fee_msat,
                )
            )
            if len(chunk) >= CHUNK:
                added += await self._insert(chunk)
                chunk = []
        if chunk:
            added += await self._insert(chunk)
        return added

    async def _insert(self, rows: Sequence[tuple[int, int, int, int, int, int]]) -> int:
        if self._dialect == "postgresql":
            columns = list(zip(*rows, strict=True))
            params = dict(zip(("ts", "cin", "cout", "ain", "aout", "fee"), map(list, columns), strict=True))
            result = await self._conn.execute(_PG_INSERT, params)
        else:
            result = await self._conn.exec_driver_sql(_SQLITE_INSERT, list(rows))
        return max(result.rowcount, 0)

    async def count(self, since_ns: int | None = None, until_ns: int | None = None) -> int:
        query = select(func.count()).select_from(t)
        if since_ns is not None:
            query = query.where(t.c.timestamp_ns >= since_ns)
        if until_ns is not None:
            query = query.where(t.c.timestamp_ns < until_ns)
        return int((await self._conn.execute(query)).scalar_one())

    async def between(self, start_ns: int, end_ns: int, chan_id: int | None = None) -> list[ForwardingEvent]:
        """Events in [start_ns, end_ns), oldest first; with ``chan_id``, those touching it either way."""
        query = select(t).where(t.c.timestamp_ns >= start_ns, t.c.timestamp_ns < end_ns)
        if chan_id is not None:
            db_id = chan_to_db(chan_id)
            query = query.where(or_(t.c.chan_id_in == db_id, t.c.chan_id_out == db_id))
        rows = (await self._conn.execute(query.order_by(t.c.timestamp_ns, t.c.id))).mappings()
        return [
            ForwardingEvent(
                timestamp_ns=r["timestamp_ns"],
                chan_id_in=chan_from_db(r["chan_id_in"]),
                chan_id_out=chan_from_db(r["chan_id_out"]),
                amt_in_msat=r["amt_in_msat"],
                amt_out_msat=r["amt_out_msat"],
                fee_msat=r["fee_msat"],
            )
            for r in rows
        ]

    async def latest_timestamp_ns(self) -> int | None:
        value = (await self._conn.execute(select(func.max(t.c.timestamp_ns)))).scalar_one()
        return None if value is None else int(value)

    async def totals_out(self, start_ns: int, end_ns: int) -> dict[int, tuple[int, int]]:
        """(forwards, fee_msat) per outgoing channel over [start_ns, end_ns), summed in the database.

        The fee is earned on the outgoing channel: these are the ledger's forward-fee totals
        without reading each event (pages that show sums need no rows).
        """
        query = (
            select(t.c.chan_id_out, func.count(), func.coalesce(func.sum(t.c.fee_msat), 0))
            .where(t.c.timestamp_ns >= start_ns, t.c.timestamp_ns < end_ns)
            .group_by(t.c.chan_id_out)
        )
        rows = (await self._conn.execute(query)).all()
        return {chan_from_db(cid): (int(n), int(fees)) for cid, n, fees in rows}
