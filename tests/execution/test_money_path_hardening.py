"""Issue 17 items 1, 2 and 4: each test here failed before its fix.

1. A rollback over a newer change (by lnpilot or outside it) is refused, naming the later change;
   ``force`` restores anyway and records what it overrode. The automatic rollback skips a
   superseded change and watches every applied item, also in a batch marked failed.
2. History is stamped with the time lnpilot acted, not the node's ``last_update``.
4. A definite refusal (permission denied) is a failed item; no transaction is left in flight.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from lnpilot.backends.base import PermissionDenied
from lnpilot.domain.graph import RoutingPolicy
from lnpilot.domain.node import ForwardingEvent, PolicyUpdateResult
from lnpilot.errors import ConflictError
from lnpilot.execution.actions import PolicyChange
from lnpilot.execution.executor import Executor
from lnpilot.execution.plan import Mode
from lnpilot.execution.results import ItemStatus
from lnpilot.execution.rollback import RollbackConflict
from lnpilot.execution.verify import same_policy
from lnpilot.execution.watch import check_auto_rollbacks
from lnpilot.store.records import TxStatus
from lnpilot.store.repos.transaction_log import SqlTransactionLog, applied_changes_since
from tests.execution.memory_node import MemoryNode, policy

CP1, CP2 = "11" * 32 + ":0", "22" * 32 + ":1"
T0 = 1_700_000_000
DAY = 86_400
WATCH = {"window_s": DAY, "drop_threshold": 0.5, "min_forwards": 10}


def setup(txlog: SqlTransactionLog) -> tuple[MemoryNode, Executor, list[int]]:
    n = MemoryNode({CP1: policy(100), CP2: policy(200)}, clock_s=T0)
    clock = [T0]
    return n, Executor(n, txlog, backoff_s=0.0, clock=lambda: clock[0]), clock


async def test_rollback_over_a_later_lnpilot_change_is_refused_and_force_marks_it(
    txlog: SqlTransactionLog,
) -> None:
    n, ex, clock = setup(txlog)
    first = await ex.apply([PolicyChange(1, CP1, policy(150))], Mode.LIVE)
    clock[0] += 3600
    second = await ex.apply([PolicyChange(1, CP1, policy(200))], Mode.LIVE)
    assert first.tx_id is not None and second.tx_id is not None
    with pytest.raises(RollbackConflict, match=f"tx {second.tx_id} set it to 200 ppm") as refused:
        await ex.rollback(first.tx_id)
    assert refused.value.code == "conflict"  # the API's 409
    assert same_policy(n.policies[CP1], policy(200))  # nothing was restored
    assert (await txlog.get(first.tx_id)).status is TxStatus.APPLIED

    forced = await ex.rollback(first.tx_id, force=True)
    assert forced.complete and same_policy(n.policies[CP1], policy(100))
    item = (await txlog.get(first.tx_id)).items[0]
    assert item.result is not None and f"tx {second.tx_id}" in item.result["overrode"]


async def test_rollback_over_a_change_outside_lnpilot_is_refused(txlog: SqlTransactionLog) -> None:
    n, ex, _ = setup(txlog)
    batch = await ex.apply([PolicyChange(1, CP1, policy(150))], Mode.LIVE)
    assert batch.tx_id is not None
    n.policies[CP1] = policy(170)  # the operator, with lncli
    with pytest.raises(RollbackConflict, match="changed outside lnpilot"):
        await ex.rollback(batch.tx_id)
    assert same_policy(n.policies[CP1], policy(170))


async def test_rollback_of_a_rolled_back_transaction_is_a_conflict(txlog: SqlTransactionLog) -> None:
    _, ex, _ = setup(txlog)
    batch = await ex.apply([PolicyChange(1, CP1, policy(150))], Mode.LIVE)
    assert batch.tx_id is not None and (await ex.rollback(batch.tx_id)).complete
    with pytest.raises(ConflictError, match="rolled_back"):
        await ex.rollback(batch.tx_id)


def _forwards(chan: int, start: int, count: int, fee: int) -> list[ForwardingEvent]:
    return [
        ForwardingEvent((start + i * DAY // count) * 10**9, 9, chan, 10**6 + fee, 10**6, fee)
        for i in range(count)
    ]


async def test_auto_rollback_skips_a_superseded_change(txlog: SqlTransactionLog) -> None:
    n, ex, clock = setup(txlog)
    old = await ex.apply([PolicyChange(1, CP1, policy(9000))], Mode.LIVE)
    clock[0] += 3600
    newer = await ex.apply([PolicyChange(1, CP1, policy(120))], Mode.LIVE)
    assert old.tx_id is not None and newer.tx_id is not None
    # Revenue on channel 1 collapsed after the first change: alone, it would be rolled back.
    n.forwards = _forwards(1, T0 - DAY, 30, 500) + _forwards(1, T0, 1, 4500) + _forwards(2, T0 - DAY, 80, 100)
    outcomes = await check_auto_rollbacks(ex, now_s=T0 + 2 * DAY, **WATCH)
    assert all(o.rollback is None for o in outcomes)
    assert same_policy(n.policies[CP1], policy(120))  # the newer change stands
    verdict = ((await txlog.get(old.tx_id)).items[0].result or {})["auto_rollback"]
    assert verdict["verdict"] == "superseded" and f"tx {newer.tx_id}" in verdict["reason"]


async def test_auto_rollback_watches_applied_items_of_a_failed_batch(txlog: SqlTransactionLog) -> None:
    n, ex, _ = setup(txlog)
    n.refuse.add(CP2)
    batch = await ex.apply([PolicyChange(1, CP1, policy(9000)), PolicyChange(2, CP2, policy(250))], Mode.LIVE)
    assert batch.tx_id is not None
    assert (await txlog.get(batch.tx_id)).status is TxStatus.FAILED
    n.forwards = (
        _forwards(1, T0 - DAY, 30, 500)
        + _forwards(1, T0, 1, 4500)
        + _forwards(2, T0 - DAY, 40, 100)
        + _forwards(2, T0, 40, 100)
    )
    (outcome,) = await check_auto_rollbacks(ex, now_s=T0 + DAY, **WATCH)
    assert outcome.chan_id == 1 and outcome.rollback is not None and outcome.rollback.complete
    assert same_policy(n.policies[CP1], policy(100))


class StaleClockNode(MemoryNode):
    """A node whose ``last_update`` is days behind our clock (a restored backup, a skewed clock)."""

    async def update_channel_policy(self, channel_point: str, new: RoutingPolicy) -> PolicyUpdateResult:
        result = await super().update_channel_policy(channel_point, new)
        stale = replace(self.policies[channel_point], last_update=T0 - 10 * DAY)
        self.policies[channel_point] = stale
        return replace(result, read_back=stale)


async def test_history_is_stamped_with_the_time_lnpilot_acted(txlog: SqlTransactionLog) -> None:
    n = StaleClockNode({CP1: policy(100)}, clock_s=T0)
    ex = Executor(n, txlog, clock=lambda: T0)
    await ex.apply([PolicyChange(1, CP1, policy(150))], Mode.LIVE)
    assert await applied_changes_since(txlog.store, T0 - DAY) == [(1, T0)]


class ReadOnlyNode(MemoryNode):
    async def update_channel_policy(self, channel_point: str, new: RoutingPolicy) -> PolicyUpdateResult:
        raise PermissionDenied("chanpolicy: HTTP 403: permission denied (read-only macaroon)")


async def test_a_refused_update_is_failed_not_in_flight(txlog: SqlTransactionLog) -> None:
    n = ReadOnlyNode({CP1: policy(100), CP2: policy(200)}, clock_s=T0)
    ex = Executor(n, txlog, clock=lambda: T0)
    batch = await ex.apply([PolicyChange(1, CP1, policy(150)), PolicyChange(2, CP2, policy(250))], Mode.LIVE)
    assert [r.status for r in batch.results] == [ItemStatus.FAILED, ItemStatus.FAILED]
    assert all("refused" in r.detail and not r.changed for r in batch.results)
    assert batch.tx_id is not None and (await txlog.get(batch.tx_id)).status is TxStatus.FAILED
    assert await txlog.unfinished() == []  # nothing left for reconcile, so no retry piles up


async def test_one_retry_layer(txlog: SqlTransactionLog) -> None:
    from lnpilot.backends.factory import make_backend
    from lnpilot.settings import Settings

    settings = Settings(backend="lnd", lnd_rest_url="https://127.0.0.1:10009", lnd_macaroon_hex="00ff")
    backend = make_backend(settings)
    ex = Executor.from_settings(settings, backend, txlog)
    assert ex.guard is not None  # and the node's lock (item 5)
    assert ex.max_retries == 0  # the executor no longer multiplies the HTTP layer's attempts
    assert backend._retry.attempts == settings.execution.max_retries + 1  # type: ignore[attr-defined]
