"""Property: whatever the node does (refuse, alter fields, drop answers), the log never lies."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lnpilot.execution.actions import PolicyChange
from lnpilot.execution.executor import Executor
from lnpilot.execution.plan import Mode
from lnpilot.execution.results import ItemStatus
from lnpilot.execution.verify import policy_from, same_policy
from lnpilot.store import Store
from lnpilot.store.records import TxStatus
from lnpilot.store.repos.transaction_log import SqlTransactionLog
from tests.execution.memory_node import MemoryNode, policy

POINTS = [f"{i:064x}:0" for i in range(1, 5)]
fault = st.sampled_from(["none", "refuse", "alter", "lost_answer"])


async def _scenario(db: Path, faults: list[str], fees: list[int], stop: bool) -> None:
    store = await Store.open_url(f"sqlite+aiosqlite:///{db}")
    try:
        txlog = SqlTransactionLog(store)
        node = MemoryNode({p: policy(100 + i) for i, p in enumerate(POINTS)})
        before = dict(node.policies)
        for point, f in zip(POINTS, faults, strict=True):
            if f == "refuse":
                node.refuse.add(point)
            elif f == "alter":
                node.alter_fee_rate.add(point)
        ex = Executor(node, txlog, backoff_s=0.0, max_retries=0, clock=lambda: node.clock_s)
        changes = [
            PolicyChange(i + 1, p, policy(fee)) for i, (p, fee) in enumerate(zip(POINTS, fees, strict=True))
        ]
        # "lost_answer" channels go in a batch of their own where the read-back is lost.
        lost = [c for c, f in zip(changes, faults, strict=True) if f == "lost_answer"]
        rest = [c for c, f in zip(changes, faults, strict=True) if f != "lost_answer"]
        batch = await ex.apply(rest, Mode.LIVE, stop_on_error=stop)
        node.read_fails_after_update = True
        await ex.apply(lost, Mode.LIVE)
        node.read_fails_after_update = False
        await Executor(node, txlog, backoff_s=0.0, clock=lambda: node.clock_s).reconcile()

        for r in batch.results:
            live = node.policies[r.channel_point]
            if r.status is ItemStatus.APPLIED:
                assert same_policy(live, next(c.policy for c in rest if c.chan_id == r.chan_id))
            if not r.changed:
                assert same_policy(live, before[r.channel_point])
        for record in await txlog.recent(limit=50):
            assert record.status not in {TxStatus.PENDING, TxStatus.IN_FLIGHT}
            for item in record.items:
                status = (item.result or {}).get("status")
                live = node.policies[item.channel_point]
                if status == "applied":
                    assert same_policy(live, policy_from(item.requested_policy))
                if status in {"not_applied", "skipped"} or (
                    status == "failed" and not item.result["changed"]
                ):
                    assert same_policy(live, before[item.channel_point])
        # Every change that landed can be undone exactly.
        for record in await txlog.recent(limit=50):
            assert record.id is not None
            if record.status in {TxStatus.APPLIED, TxStatus.FAILED, TxStatus.RECONCILED}:
                node.alter_fee_rate.clear()
                node.refuse.clear()
                assert (await ex.rollback(record.id)).complete
        for point in POINTS:
            assert same_policy(node.policies[point], before[point])
    finally:
        await store.close()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    faults=st.lists(fault, min_size=4, max_size=4),
    fees=st.lists(st.integers(min_value=1, max_value=9000), min_size=4, max_size=4),
    stop=st.booleans(),
)
def test_log_agrees_with_node_under_any_faults(faults: list[str], fees: list[int], stop: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(_scenario(Path(tmp) / "db.sqlite", faults, fees, stop))
