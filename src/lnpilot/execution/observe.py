"""What the executor reports outside the log: Prometheus metrics and operator notifications.

Both are optional (tests and one-shot CLI runs may have neither); a notification that cannot be
delivered never fails the action it reports on.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import structlog

from lnpilot.errors import LnpilotError
from lnpilot.execution.results import ChannelResult, ItemStatus

if TYPE_CHECKING:
    from lnpilot.metrics.registry import Metrics
    from lnpilot.notify.events import Event
    from lnpilot.notify.notifier import Notifier

log = structlog.get_logger(__name__)
FAILURES = frozenset({ItemStatus.FAILED, ItemStatus.REFUSED})


class ExecutionFailed(LnpilotError):
    code = "execution-failed"


class Observer:
    def __init__(self, metrics: Metrics | None = None, notifier: Notifier | None = None) -> None:
        self.metrics = metrics
        self.notifier = notifier

    @contextlib.contextmanager
    def in_flight(self) -> Iterator[None]:
        if self.metrics is None:
            yield
            return
        with self.metrics.transaction_in_flight():
            yield

    async def item_done(self, result: ChannelResult, mode: str, tx_id: int | None, now_s: int) -> None:
        if self.metrics is not None:
            self.metrics.record_execution(result.kind.value, mode, result.status.value)
        if self.notifier is not None and result.status in FAILURES:
            from lnpilot.notify.events import execution_failure

            event = execution_failure(
                result.kind.value,
                str(result.chan_id),
                ExecutionFailed(result.detail),
                datetime.fromtimestamp(now_s, UTC),
                None if tx_id is None else str(tx_id),
            )
            await self._notify(event)

    async def rolled_back(self, chan_id: int, reason: str, detail: str, tx_id: int, now_s: int) -> None:
        """``reason`` is a label (``manual`` / ``automatic``); ``detail`` carries the why."""
        if self.metrics is not None:
            self.metrics.record_rollback(reason)
        if self.notifier is not None:
            from lnpilot.notify.events import rollback

            event = rollback(str(chan_id), reason, datetime.fromtimestamp(now_s, UTC), detail, str(tx_id))
            await self._notify(event)

    async def _notify(self, event: Event) -> None:
        assert self.notifier is not None
        try:
            await self.notifier.notify(event)
        except Exception as exc:  # a notification must never undo or fail a money action
            log.warning("notification failed", error=str(exc))
