"""The fleet's scheduler: every node's cycle enqueued on that node's ``daemon.cycle_seconds``.

One job per node is outstanding at a time: a node whose last job is still waiting or running is
not enqueued again (a slow node or a stopped worker never piles up work). Running two
schedulers by mistake costs nothing worse than skipped jobs: the node's database lock lets only
one cycle per node run anywhere.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lnpilot.logs import get_logger
from lnpilot.settings import Settings, node_names, select_node

if TYPE_CHECKING:
    from dramatiq import Message

    from lnpilot.jobs.engine import Engine

log = get_logger(__name__)


def job_outcome(
    engine: Engine, message: Message[Any], timeout_s: float | None = None
) -> dict[str, Any] | None:
    """The finished job's outcome; None while it waits or runs (``timeout_s``: wait that long).

    A job that failed for good (out of retries) comes back as ``{"status": "failed", ...}``.
    """
    from dramatiq.results import ResultFailure, ResultMissing, ResultTimeout

    try:
        if timeout_s is None:
            data = message.get_result(backend=engine.results, block=False)
        else:
            data = message.get_result(backend=engine.results, block=True, timeout=int(timeout_s * 1000))
    except (ResultMissing, ResultTimeout):
        return None
    except ResultFailure as exc:
        node = message.args[0] if message.args else None
        return {"node": node, "status": "failed", "error": str(exc)[:300]}
    out: dict[str, Any] = data
    return out


@dataclass
class Scheduler:
    settings: Settings
    engine: Engine
    clock: Callable[[], float] = time.monotonic
    nodes: list[str] = field(init=False)
    interval_s: dict[str, float] = field(init=False)
    next_due: dict[str, float] = field(init=False)
    outstanding: dict[str, Message[Any]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.nodes = node_names(self.settings)
        self.interval_s = {n: select_node(self.settings, n).daemon.cycle_seconds for n in self.nodes}
        self.next_due = dict.fromkeys(self.nodes, 0.0)

    def busy(self, node: str) -> bool:
        message = self.outstanding.get(node)
        return message is not None and job_outcome(self.engine, message) is None

    def tick(self) -> list[Message[Any]]:
        """Enqueue every node that is due and has no job outstanding; the messages sent."""
        now = self.clock()
        sent = []
        for node in self.nodes:
            if now < self.next_due[node] or self.busy(node):
                continue
            message = self.engine.fleet.send(node)
            self.outstanding[node] = message
            self.next_due[node] = now + self.interval_s[node]
            sent.append(message)
            log.info("fleet_cycle_enqueued", node=node, message_id=message.message_id)
        return sent

    def run(self, stop: threading.Event, poll_s: float = 1.0) -> None:
        while not stop.is_set():
            self.tick()
            stop.wait(poll_s)
