"""What a step of the executor (a rebalance, a rollback) needs from the executor that runs it.

The arrows point one way: ``executor`` composes ``rebalance_step`` and ``rollback``; those steps
see the executor only through these protocols, so they never import it (tests/test_import_graph).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol, TypeVar

from lnpilot.backends.base import NodeBackend
from lnpilot.execution.actions import Action
from lnpilot.execution.observe import Observer
from lnpilot.execution.plan import Mode
from lnpilot.execution.reconcile import ReconcileOutcome
from lnpilot.execution.results import BatchResult
from lnpilot.store.repos.transaction_log import SqlTransactionLog

T = TypeVar("T")


class StepHost(Protocol):
    """The node, the log, the clock and the one retry layer of a running executor."""

    backend: NodeBackend
    txlog: SqlTransactionLog
    earnings_lookback_s: int
    observer: Observer

    def now(self) -> int: ...

    async def retry(self, call: Callable[[], Awaitable[T]]) -> T: ...


class BatchRunner(Protocol):
    async def apply(
        self,
        actions: Sequence[Action],
        mode: Mode | str = ...,
        *,
        stop_on_error: bool = ...,
        note: str | None = ...,
    ) -> BatchResult: ...


class RollbackHost(StepHost, Protocol):
    @property
    def reconciled(self) -> bool: ...

    async def reconcile(self) -> list[ReconcileOutcome]: ...

    def restorer(self) -> BatchRunner: ...
