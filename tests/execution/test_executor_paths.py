from __future__ import annotations

from dataclasses import replace

import pytest

from lnpilot.backends.base import Capability
from lnpilot.execution.actions import CloseOrder, PolicyChange, RebalanceOrder
from lnpilot.execution.executor import Executor
from lnpilot.execution.plan import Mode
from lnpilot.execution.results import ItemStatus
from lnpilot.execution.verify import policy_from
from lnpilot.store.records import TxStatus
from lnpilot.store.repos.audit import AuditRepository
from lnpilot.store.repos.decisions import DecisionRepository
from lnpilot.store.repos.policies import PolicyRepository
from lnpilot.store.repos.transaction_log import SqlTransactionLog
from lnpilot.store.repos.validation import ValidationRepository
from tests.execution.memory_node import MemoryNode, policy

CP1, CP2, CP3 = "11" * 32 + ":0", "22" * 32 + ":1", "33" * 32 + ":0"


def node() -> MemoryNode:
    return MemoryNode({CP1: policy(100), CP2: policy(200), CP3: policy(300)})


def executor(n: MemoryNode, txlog: SqlTransactionLog, **kw: object) -> Executor:
    return Executor(n, txlog, backoff_s=0.0, clock=lambda: 1_700_000_000, **kw)  # type: ignore[arg-type]


async def test_shadow_records_and_changes_nothing(txlog: SqlTransactionLog) -> None:
    n = node()
    result = await executor(n, txlog).apply([PolicyChange(1, CP1, policy(150), ("scarce outbound",))])
    assert result.mode == "shadow" and result.tx_id is None
    assert result.results[0].status is ItemStatus.SHADOW
    assert n.updates_sent == [] and n.policies[CP1] == policy(100)
    async with txlog.store.engine.connect() as conn:
        assert await DecisionRepository(conn).search() == []  # decisions are the pipeline's to log
        (shadow,) = [a for a in await AuditRepository(conn).recent() if a.action.startswith("shadow:")]
    assert shadow.action == "shadow:policy" and shadow.details["mode"] == "shadow"
    assert shadow.details["would_change"] == {"fee_rate_ppm": [100, 150]}
    assert "scarce outbound" in shadow.details["reasons"]


async def test_live_applies_logs_backup_and_verifies(txlog: SqlTransactionLog) -> None:
    n = node()
    ex = executor(n, txlog)
    result = await ex.apply([PolicyChange(1, CP1, policy(150)), PolicyChange(2, CP2, policy(200))], Mode.LIVE)
    assert [r.status for r in result.results] == [ItemStatus.APPLIED, ItemStatus.UNCHANGED]
    assert result.ok and result.results[0].changed and not result.results[1].changed
    assert n.updates_sent == [(CP1, policy(150))]  # the unchanged channel got nothing
    assert result.tx_id is not None
    record = await txlog.get(result.tx_id)
    assert record.status is TxStatus.APPLIED
    assert policy_from(record.items[0].backup_policy) == policy(100)
    assert record.items[0].result is not None and record.items[0].result["status"] == "applied"
    async with txlog.store.engine.connect() as conn:
        assert (await PolicyRepository(conn).current(1)) == replace(policy(150), last_update=n.clock_s)
        assert await ValidationRepository(conn).count_for_channel(1, since=0) == 1


async def test_transient_failures_are_retried(txlog: SqlTransactionLog) -> None:
    n = node()
    n.transient_failures = 2
    result = await executor(n, txlog, max_retries=3).apply([PolicyChange(1, CP1, policy(150))], Mode.LIVE)
    assert result.results[0].status is ItemStatus.APPLIED


async def test_unreachable_node_fails_with_reason(txlog: SqlTransactionLog) -> None:
    n = node()
    n.transient_failures = 10
    result = await executor(n, txlog, max_retries=1).apply([PolicyChange(1, CP1, policy(150))], Mode.LIVE)
    assert result.results[0].status is ItemStatus.FAILED
    assert "connection refused" in result.results[0].detail
    assert result.tx_id is not None and (await txlog.get(result.tx_id)).status is TxStatus.FAILED


async def test_refusal_fails_with_backend_reason_and_stop_on_error(txlog: SqlTransactionLog) -> None:
    n = node()
    n.refuse.add(CP1)
    actions = [PolicyChange(1, CP1, policy(150)), PolicyChange(2, CP2, policy(250))]
    result = await executor(n, txlog).apply(actions, Mode.LIVE, stop_on_error=True)
    assert [r.status for r in result.results] == [ItemStatus.FAILED, ItemStatus.SKIPPED]
    assert "UPDATE_FAILURE_PENDING" in result.results[0].detail
    assert not result.results[0].changed
    assert result.stopped_early and not result.ok
    assert n.policies[CP2] == policy(200)
    # Without stop_on_error the second still runs.
    result = await executor(n, txlog).apply(actions, Mode.LIVE)
    assert [r.status for r in result.results] == [ItemStatus.FAILED, ItemStatus.APPLIED]


async def test_read_back_mismatch_is_a_failure_naming_the_field(txlog: SqlTransactionLog) -> None:
    n = node()
    n.alter_fee_rate.add(CP1)
    result = await executor(n, txlog).apply([PolicyChange(1, CP1, policy(9000))], Mode.LIVE)
    (r,) = result.results
    assert r.status is ItemStatus.FAILED and r.changed
    assert r.mismatches == {"fee_rate_ppm": (9000, 5000)}
    assert "fee_rate_ppm" in r.detail


async def test_lost_read_back_stays_in_flight_until_reconciled(txlog: SqlTransactionLog) -> None:
    n = node()
    n.read_fails_after_update = True
    result = await executor(n, txlog, max_retries=0).apply([PolicyChange(1, CP1, policy(150))], Mode.LIVE)
    assert result.results[0].status is ItemStatus.IN_FLIGHT
    assert result.tx_id is not None and (await txlog.get(result.tx_id)).status is TxStatus.IN_FLIGHT
    n.read_fails_after_update = False
    outcomes = await executor(n, txlog).reconcile()
    assert [(o.chan_id, o.status) for o in outcomes] == [(1, ItemStatus.APPLIED)]
    assert (await txlog.get(result.tx_id)).status is TxStatus.RECONCILED


async def test_pilot_mode_runs_only_listed_channels(txlog: SqlTransactionLog) -> None:
    n = node()
    ex = executor(n, txlog, pilot_channels=["2"])
    result = await ex.apply([PolicyChange(1, CP1, policy(150)), PolicyChange(2, CP2, policy(250))], "pilot")
    assert [r.status for r in result.results] == [ItemStatus.SHADOW, ItemStatus.APPLIED]
    assert n.policies[CP1] == policy(100)


async def test_close_is_recommendation_only(txlog: SqlTransactionLog) -> None:
    n = node()
    result = await executor(n, txlog, allow_close=True).apply(
        [CloseOrder(1, CP1, ("earns nothing",))], Mode.LIVE
    )
    assert result.results[0].status is ItemStatus.SHADOW
    assert "no cooperative close" in result.results[0].detail
    assert result.tx_id is None


async def test_rebalance_refused_without_capability(txlog: SqlTransactionLog) -> None:
    n = node()
    n.capabilities = frozenset(Capability) - {Capability.PAY_SELF}
    order = RebalanceOrder(2, CP2, 1, 100_000, 500_000)
    result = await executor(n, txlog).apply([order], Mode.LIVE)
    assert result.results[0].status is ItemStatus.REFUSED
    assert "pay_self" in result.results[0].detail


async def test_rebalance_records_cost_against_earnings(txlog: SqlTransactionLog) -> None:
    from lnpilot.domain.node import ForwardingEvent

    n = node()
    n.forwards = [ForwardingEvent((n.clock_s - 3600) * 10**9, 1, 2, 1_004_000, 1_000_000, 4000)]
    order = RebalanceOrder(2, CP2, 1, 100_000, 500_000)
    result = await executor(n, txlog).apply([order], Mode.LIVE)
    (r,) = result.results
    assert r.status is ItemStatus.APPLIED and r.rebalance is not None
    assert r.rebalance.moved_sat == 100_000 and r.rebalance.fee_msat == 1000
    assert r.rebalance.channel_earnings_msat == 4000 and r.rebalance.cost_to_earnings == 0.25
    assert result.tx_id is not None
    item = (await txlog.get(result.tx_id)).items[0]
    assert item.result is not None and item.result["cost_to_earnings"] == 0.25
    assert r.to_dict()["rebalance"]["moved_sat"] == 100_000
    # What it cost is in the validator's history: the rebalance spend caps read it (issue 17 item 3).
    from lnpilot.store.repos.transaction_log import rebalances_since

    assert await rebalances_since(txlog.store, 0) == [(2, n.clock_s, 1000)]


async def test_unknown_mode_is_rejected(txlog: SqlTransactionLog) -> None:
    from lnpilot.errors import InvalidInputError

    with pytest.raises(InvalidInputError):
        await executor(node(), txlog).apply([], "turbo")


async def test_rebalance_into_an_unknown_channel_fails_cleanly(txlog: SqlTransactionLog) -> None:
    n = node()
    order = RebalanceOrder(999, "99" * 32 + ":0", 1, 100_000, 500_000)
    (r,) = (await executor(n, txlog).apply([order], Mode.LIVE)).results
    assert r.status is ItemStatus.FAILED and "not one of ours" in r.detail
    n.transient_failures = 100
    (r,) = (await executor(n, txlog, max_retries=0).apply([order], Mode.LIVE)).results
    assert r.status is ItemStatus.FAILED and "channel list" in r.detail


async def test_a_concurrent_reconcile_does_not_break_a_running_batch(txlog: SqlTransactionLog) -> None:
    """The API reconciles while the daemon is between sending and marking: both stay consistent."""

    class RacingNode(MemoryNode):
        other: Executor | None = None

        async def update_channel_policy(self, channel_point, new):  # type: ignore[no-untyped-def]
            if self.other is not None:
                other, self.other = self.other, None
                await other.reconcile()  # reads the node before this update lands
            return await super().update_channel_policy(channel_point, new)

    n = RacingNode({CP1: policy(100), CP2: policy(200)})
    n.other = executor(n, txlog)
    result = await executor(n, txlog).apply([PolicyChange(1, CP1, policy(150))], Mode.LIVE)
    assert result.ok and result.tx_id is not None
    record = await txlog.get(result.tx_id)
    assert record.status is TxStatus.RECONCILED
    (item,) = record.items
    assert item.result is not None and item.result["status"] == "applied"
    assert n.policies[CP1].fee_rate_ppm == 150


async def test_reconcile_keeps_the_senders_word_when_it_marked_first(txlog: SqlTransactionLog) -> None:
    """Reconcile read the node before the send but the sender marked the item before reconcile wrote."""

    class SlowRead(MemoryNode):
        hook: object = None

        async def get_policy(self, channel_point):  # type: ignore[no-untyped-def]
            live = await super().get_policy(channel_point)
            if callable(self.hook):
                hook, self.hook = self.hook, None
                await hook()  # the sender sends and marks while reconcile holds a stale read
            return live

    n = SlowRead({CP1: policy(100)})
    ex = executor(n, txlog)
    tx = await txlog.open("live", "racing", n.clock_s)
    from lnpilot.execution.verify import policy_json

    item = await txlog.add_item(tx, 1, CP1, policy_json(policy(150)), policy(100), {"status": "in_flight"}, 0)

    async def sender() -> None:
        await n.update_channel_policy(CP1, policy(150))
        await txlog.set_item_result(item, {"status": "applied", "changed": True}, 0)

    n.hook = sender
    (outcome,) = await ex.reconcile()
    assert outcome.status is ItemStatus.APPLIED and "settled by the executor" in outcome.detail
    (stored,) = (await txlog.get(tx)).items
    assert stored.result == {"status": "applied", "changed": True}


async def test_an_update_the_backend_cannot_fully_read_back_is_not_applied(txlog: SqlTransactionLog) -> None:
    from lnpilot.domain.node import PolicyUpdateResult

    class FeesOnlyNode(MemoryNode):
        async def update_channel_policy(self, channel_point: str, new: object) -> PolicyUpdateResult:
            result = await super().update_channel_policy(channel_point, new)  # type: ignore[arg-type]
            return replace(result, unverified_fields=("time_lock_delta", "max_htlc_msat"))

    n = FeesOnlyNode(node().policies)
    changed = replace(policy(150), max_htlc_msat=policy(150).max_htlc_msat + 1)
    result = await executor(n, txlog).apply([PolicyChange(1, CP1, changed, ("r",))], Mode.LIVE)
    (item,) = result.results
    assert item.status is ItemStatus.FAILED
    assert item.detail == "sent, but the backend cannot read back time_lock_delta, max_htlc_msat"


async def test_an_update_read_back_on_every_field_it_moved_is_applied_naming_the_rest(
    txlog: SqlTransactionLog,
) -> None:
    from lnpilot.domain.node import PolicyUpdateResult

    class FeesOnlyNode(MemoryNode):
        async def update_channel_policy(self, channel_point: str, new: object) -> PolicyUpdateResult:
            result = await super().update_channel_policy(channel_point, new)  # type: ignore[arg-type]
            return replace(result, unverified_fields=("time_lock_delta", "max_htlc_msat"))

    n = FeesOnlyNode(node().policies)
    result = await executor(n, txlog).apply([PolicyChange(1, CP1, policy(150), ("r",))], Mode.LIVE)
    (item,) = result.results
    assert item.status is ItemStatus.APPLIED and item.changed
    assert item.detail == (
        "verified by read-back on fee_rate_ppm; not readable here: time_lock_delta, max_htlc_msat"
    )


async def test_fields_the_backend_cannot_set_are_kept_live_and_named(txlog: SqlTransactionLog) -> None:
    n = node()
    n.capabilities = frozenset(Capability) - {Capability.UPDATE_HTLC_LIMITS}
    live = n.policies[CP1]
    wanted = replace(policy(150), max_htlc_msat=live.max_htlc_msat + 5)
    result = await executor(n, txlog).apply([PolicyChange(1, CP1, wanted, ("r",))], Mode.LIVE)
    (item,) = result.results
    assert item.status is ItemStatus.APPLIED
    assert "kept as they are (this backend cannot set them): max_htlc_msat" in item.detail
    assert n.policies[CP1].max_htlc_msat == live.max_htlc_msat and n.policies[CP1].fee_rate_ppm == 150
