"""The executor's metrics and notifications: real Metrics registry, a Notifier with a recording channel."""

from __future__ import annotations

from dataclasses import dataclass, field

from lnpilot.execution.actions import PolicyChange
from lnpilot.execution.executor import Executor
from lnpilot.execution.observe import Observer
from lnpilot.execution.plan import Mode
from lnpilot.metrics.registry import Metrics
from lnpilot.notify.events import Event, EventKind
from lnpilot.notify.notifier import Notifier
from lnpilot.store.repos.transaction_log import SqlTransactionLog
from tests.execution.memory_node import MemoryNode, policy

CP1, CP2 = "11" * 32 + ":0", "22" * 32 + ":1"


@dataclass
class Recorder:
    sent: list[Event] = field(default_factory=list)
    fail: bool = False

    @property
    def name(self) -> str:
        return "recorder"

    async def send(self, event: Event) -> None:
        if self.fail:
            raise RuntimeError("channel down")
        self.sent.append(event)

    async def aclose(self) -> None:
        return None


def sample(metrics: Metrics, name: str, **labels: str) -> float:
    value = metrics.registry.get_sample_value(name, labels)
    return 0.0 if value is None else value


async def test_metrics_and_notifications_follow_the_log(txlog: SqlTransactionLog) -> None:
    node = MemoryNode({CP1: policy(100), CP2: policy(200)})
    node.refuse.add(CP2)
    metrics, recorder = Metrics(), Recorder()
    observer = Observer(metrics, Notifier([recorder], throttle_seconds=0))
    ex = Executor(node, txlog, backoff_s=0.0, clock=lambda: node.clock_s, observer=observer)
    batch = await ex.apply([PolicyChange(1, CP1, policy(150)), PolicyChange(2, CP2, policy(250))], Mode.LIVE)
    assert batch.tx_id is not None
    total = "lnpilot_executions_total"
    assert sample(metrics, total, type="policy", mode="live", outcome="applied") == 1
    assert sample(metrics, total, type="policy", mode="live", outcome="failed") == 1
    assert sample(metrics, "lnpilot_transactions_in_flight") == 0
    assert [e.kind for e in recorder.sent] == [EventKind.EXECUTION_FAILURE]
    assert ("transaction", str(batch.tx_id)) in recorder.sent[0].fields

    await ex.rollback(batch.tx_id)
    assert sample(metrics, "lnpilot_rollbacks_total", reason="manual") == 1
    assert recorder.sent[-1].kind is EventKind.ROLLBACK

    # A notification channel that is down never fails the action.
    recorder.fail = True
    node.refuse.clear()
    again = await ex.apply([PolicyChange(2, CP2, policy(250))], Mode.LIVE)
    assert again.ok
    await ex.apply([PolicyChange(1, CP1, policy(1))], Mode.SHADOW)
    assert sample(metrics, total, type="policy", mode="shadow", outcome="shadow") == 1
