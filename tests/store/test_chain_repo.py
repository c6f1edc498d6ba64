"""On-chain wallet transactions: upserted by hash, read in time order."""

from __future__ import annotations

from lnpilot.domain.node import ChainTransaction
from lnpilot.store import Store


async def test_chain_transactions_upsert_and_read_in_order(store: Store) -> None:
    a = ChainTransaction("aa" * 32, -1_000_500, 500, 0, 200, "0:openchannel")
    b = ChainTransaction("bb" * 32, 400_000, 300, 10, 100, "")
    async with store.unit_of_work() as uow:
        assert await uow.chain.add_many([a, b]) == 2
    confirmed = ChainTransaction(a.tx_hash, a.amount_sat, a.total_fees_sat, 12, a.time_stamp_s, a.label)
    async with store.unit_of_work() as uow:
        await uow.chain.add_many([confirmed])  # a confirmation later: same hash, new height
        everything = await uow.chain.all()
        early = await uow.chain.all(until=150)
    assert everything == [b, confirmed]
    assert early == [b]
