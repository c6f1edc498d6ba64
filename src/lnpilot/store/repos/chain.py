"""On-chain wallet transactions, upserted by hash (a confirmation later updates the height)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from lnpilot.domain.node import ChainTransaction
from lnpilot.store.repos.base import Repository
from lnpilot.store.repos.upsert import upsert
from lnpilot.store.tables import chain_transactions as t


class ChainRepository(Repository):
    async def add_many(self, txs: Iterable[ChainTransaction]) -> int:
        count = 0
        for tx in txs:
            row = {
                "tx_hash": tx.tx_hash,
                "amount_sat": tx.amount_sat,
                "total_fees_sat": tx.total_fees_sat,
                "block_height": tx.block_height,
                "time_stamp": tx.time_stamp_s,
                "label": tx.label,
            }
            await upsert(self._conn, t, row, keys=("tx_hash",))
            count += 1
        return count

    async def all(self, until: int | None = None) -> list[ChainTransaction]:
        query = select(t).order_by(t.c.time_stamp, t.c.tx_hash)
        if until is not None:
            query = query.where(t.c.time_stamp < until)
        rows = (await self._conn.execute(query)).mappings()
        return [
            ChainTransaction(
                r["tx_hash"],
                r["amount_sat"],
                r["total_fees_sat"],
                r["block_height"],
                r["time_stamp"],
                r["label"],
            )
            for r in rows
        ]
