from __future__ import annotations

import pytest

from lnpilot.domain.node import ForwardingEvent
from lnpilot.errors import ConflictError
from lnpilot.execution.actions import PolicyChange
from lnpilot.execution.executor import Executor
from lnpilot.execution.plan import Mode
from lnpilot.execution.results import ItemStatus
from lnpilot.execution.verify import same_policy
from lnpilot.execution.watch import check_auto_rollbacks
from lnpilot.store.records import TxStatus
from lnpilot.store.repos.transaction_log import SqlTransactionLog
from tests.execution.memory_node import MemoryNode, policy

CP1, CP2, CP3 = "11" * 32 + ":0", "22" * 32 + ":1", "33" * 32 + ":0"
T0 = 1_700_000_000
DAY = 86_400


def node() -> MemoryNode:
    return MemoryNode({CP1: policy(100), CP2: policy(200), CP3: policy(300)}, clock_s=T0)


def executor(n: MemoryNode, txlog: SqlTransactionLog, now: list[int] | None = None) -> Executor:
    clock = now or [T0]
    return Executor(n, txlog, backoff_s=0.0, clock=lambda: clock[0])


async def test_rollback_restores_exact_backups_of_changed_channels_only(txlog: SqlTransactionLog) -> None:
    n = node()
    ex = executor(n, txlog)
    batch = await ex.apply(
        [PolicyChange(1, CP1, policy(150, 0)), PolicyChange(2, CP2, policy(200))], Mode.LIVE
    )
    assert batch.tx_id is not None
    sent_before = len(n.updates_sent)
    result = await ex.rollback(batch.tx_id)
    assert result.complete and result.rollback_tx_id is not None
    assert [r.chan_id for r in result.results] == [1]  # channel 2 was never changed
    assert same_policy(n.policies[CP1], policy(100)) and n.policies[CP2] == policy(200)
    assert len(n.updates_sent) == sent_before + 1
    assert (await txlog.get(batch.tx_id)).status is TxStatus.ROLLED_BACK
    rollback_tx = await txlog.get(result.rollback_tx_id)
    assert rollback_tx.note.startswith("rollback of tx") and rollback_tx.status is TxStatus.APPLIED
    with pytest.raises(ConflictError, match="rolled_back"):
        await ex.rollback(batch.tx_id)


async def test_rollback_of_nothing_changed(txlog: SqlTransactionLog) -> None:
    n = node()
    ex = executor(n, txlog)
    batch = await ex.apply([PolicyChange(2, CP2, policy(200))], Mode.LIVE)
    assert batch.tx_id is not None
    result = await ex.rollback(batch.tx_id)
    assert result.complete and result.rollback_tx_id is None and result.to_dict()["results"] == []


async def test_failed_rollback_leaves_transaction_rollbackable(txlog: SqlTransactionLog) -> None:
    n = node()
    ex = executor(n, txlog)
    batch = await ex.apply([PolicyChange(1, CP1, policy(150))], Mode.LIVE)
    assert batch.tx_id is not None
    n.refuse.add(CP1)
    result = await ex.rollback(batch.tx_id)
    assert not result.complete and result.results[0].status is ItemStatus.FAILED
    assert (await txlog.get(batch.tx_id)).status is TxStatus.APPLIED
    n.refuse.clear()
    assert (await ex.rollback(batch.tx_id)).complete
    assert same_policy(n.policies[CP1], policy(100))


async def test_reconcile_marks_not_applied_and_diverged(txlog: SqlTransactionLog) -> None:
    n = node()
    tx = await txlog.open("live", "interrupted", T0)
    for chan, cp in ((1, CP1), (2, CP2)):
        await txlog.add_item(
            tx,
            chan,
            cp,
            {**_json(policy(999))},
            n.policies[cp],
            {"status": "in_flight", "kind": "policy"},
            T0,
        )
    n.policies[CP2] = policy(555)  # someone else changed it meanwhile
    outcomes = await executor(n, txlog).reconcile()
    assert [(o.chan_id, o.status) for o in outcomes] == [
        (1, ItemStatus.NOT_APPLIED),
        (2, ItemStatus.DIVERGED),
    ]
    record = await txlog.get(tx)
    assert record.status is TxStatus.RECONCILED
    assert n.updates_sent == []  # reconcile never sends


async def test_reconcile_pending_fails_and_unreadable_node_defers(txlog: SqlTransactionLog) -> None:
    n = node()
    pending = await txlog.open("live", "never started", T0)
    tx = await txlog.open("live", "interrupted", T0)
    await txlog.add_item(
        tx, 1, CP1, _json(policy(999)), policy(100), {"status": "in_flight", "kind": "policy"}, T0
    )
    n.transient_failures = 100
    ex = Executor(n, txlog, backoff_s=0.0, max_retries=0, clock=lambda: T0)
    assert await ex.reconcile() == []
    assert (await txlog.get(pending)).status is TxStatus.FAILED
    assert (await txlog.get(tx)).status is TxStatus.IN_FLIGHT
    n.transient_failures = 0
    await ex.reconcile()
    assert (await txlog.get(tx)).status is TxStatus.RECONCILED


async def test_reconcile_interrupted_rebalance_is_unknown(txlog: SqlTransactionLog) -> None:
    n = node()
    tx = await txlog.open("live", "interrupted", T0)
    await txlog.add_item(
        tx, 2, CP2, {"kind": "rebalance"}, None, {"status": "in_flight", "kind": "rebalance"}, T0
    )
    (outcome,) = await executor(n, txlog).reconcile()
    assert outcome.status is ItemStatus.UNKNOWN and "payments" in outcome.detail


def _json(p: object) -> dict[str, int]:
    from lnpilot.execution.verify import policy_json

    return policy_json(p)  # type: ignore[arg-type]


def _forwards(chan: int, start: int, count: int, fee: int) -> list[ForwardingEvent]:
    return [
        ForwardingEvent((start + i * DAY // count) * 10**9, 9, chan, 10**6 + fee, 10**6, fee)
        for i in range(count)
    ]


async def test_watch_rolls_back_the_bad_change_and_keeps_the_good(txlog: SqlTransactionLog) -> None:
    n = node()
    clock = [T0]
    ex = executor(n, txlog, clock)
    bad = await ex.apply([PolicyChange(1, CP1, policy(9000))], Mode.LIVE)
    good = await ex.apply([PolicyChange(2, CP2, policy(220))], Mode.LIVE)
    assert bad.tx_id is not None and good.tx_id is not None
    n.forwards = (
        _forwards(1, T0 - DAY, 30, 500)
        + _forwards(1, T0, 1, 4500)  # collapsed
        + _forwards(2, T0 - DAY, 30, 300)
        + _forwards(2, T0, 32, 330)  # fine
        + _forwards(3, T0 - DAY, 40, 100)
        + _forwards(3, T0, 40, 100)  # control
    )
    params = {"window_s": DAY, "drop_threshold": 0.5, "min_forwards": 10}
    assert await check_auto_rollbacks(ex, now_s=T0 + 3600, **params) == []  # still watching
    outcomes = await check_auto_rollbacks(ex, now_s=T0 + DAY, **params)
    by_chan = {o.chan_id: o for o in outcomes}
    assert by_chan[1].rollback is not None and by_chan[1].rollback.complete
    assert by_chan[2].rollback is None and by_chan[2].assessment.verdict.value == "keep"
    assert same_policy(n.policies[CP1], policy(100))
    assert same_policy(n.policies[CP2], policy(220))
    assert (await txlog.get(bad.tx_id)).status is TxStatus.ROLLED_BACK
    item = (await txlog.get(bad.tx_id)).items[0]
    assert item.result is not None and item.result["auto_rollback"]["verdict"] == "rollback"
    # Judged once: a second pass has nothing left to judge (the rollback itself is not watched).
    assert await check_auto_rollbacks(ex, now_s=T0 + 2 * DAY, **params) == []
    from lnpilot.execution.watch import check_auto_rollbacks_from_settings
    from lnpilot.settings import load_settings

    assert await check_auto_rollbacks_from_settings(ex, load_settings(), T0 + 3 * DAY) == []
