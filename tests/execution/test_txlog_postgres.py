"""The executor's transaction log on PostgreSQL: the same crash-safe sequence as on SQLite."""

from __future__ import annotations

from lnpilot.execution.actions import PolicyChange
from lnpilot.execution.executor import Executor
from lnpilot.execution.plan import Mode
from lnpilot.execution.results import ItemStatus
from lnpilot.execution.verify import same_policy
from lnpilot.store import Store
from lnpilot.store.records import TxStatus
from lnpilot.store.repos.transaction_log import SqlTransactionLog, applied_changes_since
from tests.execution.memory_node import MemoryNode, policy
from tests.store.databases import fresh_postgres_async

CP1, CP2 = "11" * 32 + ":0", "22" * 32 + ":1"
BIG_CHAN = (1 << 63) + 5  # a uint64 chan_id above BIGINT's range: stored two's complement


async def test_apply_reconcile_rollback_on_postgres(postgres_url: str) -> None:
    async with fresh_postgres_async(postgres_url) as url:
        store = await Store.open_url(url)
        try:
            txlog = SqlTransactionLog(store)
            node = MemoryNode({CP1: policy(100), CP2: policy(200)})
            ex = Executor(node, txlog, backoff_s=0.0, clock=lambda: node.clock_s)
            batch = await ex.apply(
                [PolicyChange(BIG_CHAN, CP1, policy(150)), PolicyChange(2, CP2, policy(200))], Mode.LIVE
            )
            assert [r.status for r in batch.results] == [ItemStatus.APPLIED, ItemStatus.UNCHANGED]
            assert batch.tx_id is not None
            record = await txlog.get(batch.tx_id)
            assert record.status is TxStatus.APPLIED and record.items[0].chan_id == BIG_CHAN
            assert await applied_changes_since(store, 0) == [(BIG_CHAN, node.clock_s)]

            interrupted = await txlog.open("live", "interrupted", node.clock_s)
            await txlog.add_item(
                interrupted,
                2,
                CP2,
                {"kind": "rebalance"},
                None,
                {"status": "in_flight", "kind": "rebalance"},
                node.clock_s,
            )
            (outcome,) = await ex.reconcile()
            assert outcome.status is ItemStatus.UNKNOWN
            assert (await txlog.get(interrupted)).status is TxStatus.RECONCILED

            result = await ex.rollback(batch.tx_id)
            assert result.complete and same_policy(node.policies[CP1], policy(100))
            assert (await txlog.get(batch.tx_id)).status is TxStatus.ROLLED_BACK
            assert len(await txlog.recent()) == 3
        finally:
            await store.close()
