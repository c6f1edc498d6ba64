"""Batch reads the dashboard relies on: reviews of many decisions, transactions of one channel."""

from __future__ import annotations

from pathlib import Path

from lnpilot.store import Store
from lnpilot.store.records import DecisionRecord, ExpertReview, TransactionItem, TransactionRecord, TxStatus


async def test_reviews_for_and_transactions_touching(tmp_path: Path) -> None:
    store = await Store.open_url(f"sqlite+aiosqlite:///{tmp_path / 's.db'}")
    try:
        async with store.unit_of_work() as uow:
            ids = [
                await uow.decisions.add(DecisionRecord(t, "no_action", "balanced", "shadow", False, 7))
                for t in (1, 2)
            ]
            await uow.decisions.add_review(ExpertReview(ids[0], True, "ok", 5))
            await uow.decisions.add_review(ExpertReview(ids[0], False, "hm", 6))
            reviews = await uow.decisions.reviews_for([*ids, 999])
            assert [r.notes for r in reviews[ids[0]]] == ["ok", "hm"] and reviews[ids[1]] == reviews[
                999
            ] == []
            assert await uow.decisions.reviews_for([]) == {}
            for t, chans in ((10, (7,)), (20, (8,)), (30, (7, 8))):
                items = tuple(TransactionItem(c, f"{c:064x}:0", {"fee_rate_ppm": t}) for c in chans)
                await uow.transactions.create(TransactionRecord(t, t, "live", TxStatus.PENDING, items))
            touching = await uow.transactions.touching(7)
            assert [r.created_at for r in touching] == [30, 10]
            assert [len(r.items) for r in touching] == [2, 1]
            assert [r.created_at for r in await uow.transactions.touching(7, since=11)] == [30]
            assert await uow.transactions.touching(9) == []
            everything = await uow.transactions.search(limit=2)
            assert [r.created_at for r in everything] == [30, 20] and everything[0].items[1].chan_id == 8
            assert everything[0] == await uow.transactions.get(everything[0].id or 0)
    finally:
        await store.close()
