"""The executor: shadow records, real changes go log -> send -> read back -> mark.

Every real step is committed to the store before the next one touches the node, so a crash at
any point leaves a log that ``reconcile`` can settle against the live node on the next start.
Before anything runs, ``apply`` reconciles what an earlier process left in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import replace as dc_replace
from typing import TYPE_CHECKING, Any, TypeVar

import structlog

from lnpilot.backends.base import (
    BackendError,
    BackendUnavailable,
    NodeBackend,
    PolicyUpdateFailed,
)
from lnpilot.domain.graph import RoutingPolicy
from lnpilot.execution.actions import Action, ActionKind, PolicyChange, RebalanceOrder
from lnpilot.execution.crash import crash_point
from lnpilot.execution.observe import Observer
from lnpilot.execution.plan import Mode, PlannedAction, plan_batch
from lnpilot.execution.rebalance_step import execute_rebalance, requested_json
from lnpilot.execution.reconcile import ReconcileOutcome, reconcile
from lnpilot.execution.results import BatchResult, ChannelResult, ItemStatus
from lnpilot.execution.verify import differences, fit_to_backend, policy_json, same_policy
from lnpilot.settings import Settings
from lnpilot.store.records import AuditEntry, TxStatus
from lnpilot.store.repos.transaction_log import SqlTransactionLog

if TYPE_CHECKING:
    from lnpilot.execution.rollback import RollbackResult
    from lnpilot.notify.notifier import Notifier
    from lnpilot.store.node_guard import NodeGuard

log = structlog.get_logger(__name__)
T = TypeVar("T")
_DAY_S = 86_400


class Executor:
    def __init__(
        self,
        backend: NodeBackend,
        txlog: SqlTransactionLog,
        *,
        pilot_channels: Collection[str] = (),
        allow_close: bool = False,
        max_retries: int = 0,
        backoff_s: float = 0.5,
        earnings_lookback_s: int = 30 * _DAY_S,
        profile: str = "",
        clock: Callable[[], float] = time.time,
        observer: Observer | None = None,
        guard: NodeGuard | None = None,
    ) -> None:
        self.backend = backend
        self.txlog = txlog
        self.pilot_channels = tuple(pilot_channels)
        self.allow_close = allow_close
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.earnings_lookback_s = earnings_lookback_s
        self.profile = profile
        self._clock = clock
        self._reconciled = False
        self.observer = observer or Observer()
        # The node's lock (store.node_guard): real applies and rollbacks hold it while they run.
        # None only for library use and tests that build an executor by hand.
        self.guard = guard

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        backend: NodeBackend,
        txlog: SqlTransactionLog,
        *,
        notifier: Notifier | None = None,
        clock: Callable[[], float] = time.time,
    ) -> Executor:
        """Metrics go to the process-wide registry; notifications only when a notifier is given.
        ``clock`` is the node's now (``execution.node_clock``); the guard is the node's lock."""
        from lnpilot.execution.guard import node_guard
        from lnpilot.metrics.registry import default_metrics

        return cls(
            backend,
            txlog,
            pilot_channels=settings.execution.pilot_channels,
            allow_close=settings.limits.allow_close,
            # One retry layer: the HTTP backends retry transient faults of idempotent calls
            # (``execution.max_retries`` sets their attempts); retrying here too multiplied them.
            max_retries=0,
            profile=settings.profile,
            clock=clock,
            observer=Observer(default_metrics(), notifier),
            guard=node_guard(settings, backend, txlog.store),
        )

    def now(self) -> int:
        return int(self._clock())

    @property
    def reconciled(self) -> bool:
        return self._reconciled

    def restorer(self) -> Executor:
        """An executor on the same node and log that runs exactly what it is given (rollbacks)."""
        clone = Executor(
            self.backend,
            self.txlog,
            max_retries=self.max_retries,
            backoff_s=self.backoff_s,
            profile=self.profile,
            clock=self._clock,
            observer=self.observer,
            guard=self.guard,  # the same lock: the rollback runs under the hold of its caller
        )
        clone._reconciled = self._reconciled
        return clone

    def guarded(self, purpose: str) -> contextlib.AbstractAsyncContextManager[object]:
        """Hold the node's lock for a block (re-entrant; nothing without a guard)."""
        if self.guard is None:
            return contextlib.nullcontext()
        return self.guard.hold(purpose)

    async def rollback(
        self,
        tx_id: int,
        *,
        chan_ids: Collection[int] | None = None,
        reason: str = "manual",
        force: bool = False,
    ) -> RollbackResult:
        """Restore the backed-up policies of the channels ``tx_id`` changed (see ``rollback``)."""
        from lnpilot.execution.rollback import rollback

        async with self.guarded(f"rollback of tx {tx_id} ({reason})"):
            return await rollback(self, tx_id, chan_ids=chan_ids, reason=reason, force=force)

    async def reconcile(self) -> list[ReconcileOutcome]:
        """Settle transactions an earlier run left in flight; safe to call any time."""
        outcomes = await reconcile(self.backend, self.txlog, self.now, self.retry)
        self._reconciled = True
        return outcomes

    async def apply(
        self,
        actions: Sequence[Action],
        mode: Mode | str = Mode.SHADOW,
        *,
        stop_on_error: bool = False,
        note: str | None = None,
    ) -> BatchResult:
        mode = Mode.parse(mode) if isinstance(mode, str) else mode
        if mode is Mode.SHADOW:
            return await self._apply(actions, mode, stop_on_error, note)
        async with self.guarded(f"apply ({mode.value})"):
            return await self._apply(actions, mode, stop_on_error, note)

    async def _apply(
        self, actions: Sequence[Action], mode: Mode, stop_on_error: bool, note: str | None
    ) -> BatchResult:
        if not self._reconciled:
            await self.reconcile()
        planned = plan_batch(actions, mode, self.pilot_channels, allow_close=self.allow_close)
        results: list[ChannelResult | None] = [None] * len(planned)
        for i, p in enumerate(planned):
            if not p.real:
                results[i] = await self._shadow(p, mode)
        real = [(i, p) for i, p in enumerate(planned) if p.real]
        tx_id: int | None = None
        stopped = False
        if real:
            note = note or f"batch of {len(real)} real action(s)"
            tx_id = await self.txlog.open(mode.value, note, self.now())
            crash_point("opened")
            for i, p in real:
                if stopped:
                    results[i] = await self._log_skipped(tx_id, p.action)
                    continue
                results[i] = await self._run(tx_id, p.action)
                stopped = stop_on_error and not results[i].ok  # type: ignore[union-attr]
            crash_point("closed")
            await self._close(tx_id, [results[i] for i, _ in real])  # type: ignore[misc]
        done = tuple(r for r in results if r is not None)
        for r in done:
            await self.observer.item_done(
                r, mode.value, tx_id if r.status is not ItemStatus.SHADOW else None, self.now()
            )
        log.info("batch done", mode=mode.value, tx_id=tx_id, results=[r.status.value for r in done])
        return BatchResult(mode.value, tx_id, done, stopped_early=stopped)

    async def _run(self, tx_id: int, action: Action) -> ChannelResult:
        if isinstance(action, PolicyChange):
            return await self._policy(tx_id, action)
        if isinstance(action, RebalanceOrder):
            return await execute_rebalance(self, tx_id, action)
        # plan_batch never makes a close real: the backend protocol has no close operation.
        raise AssertionError("close actions are never executed")  # pragma: no cover

    async def _close(self, tx_id: int, results: Sequence[ChannelResult]) -> None:
        if any(r.status is ItemStatus.IN_FLIGHT for r in results):
            return  # the node's answer is unknown: the next reconcile settles this transaction
        status = TxStatus.APPLIED if all(r.ok for r in results) else TxStatus.FAILED
        record = await self.txlog.get(tx_id)
        if record.status not in {TxStatus.PENDING, TxStatus.IN_FLIGHT}:
            # Another executor on the same store (the daemon beside the API) reconciled this
            # transaction while it ran; the items carry the truth, the status stays as it is.
            log.warning("transaction settled elsewhere", tx_id=tx_id, status=record.status.value)
            return
        if record.status is TxStatus.PENDING and status is TxStatus.APPLIED:
            await self.txlog.set_status(tx_id, TxStatus.IN_FLIGHT, self.now())
        await self.txlog.set_status(tx_id, status, self.now())

    async def retry(self, call: Callable[[], Awaitable[T]]) -> T:
        """Retry transient backend failures with exponential backoff; everything else propagates.

        Zero retries (one call) unless the backend has no retries of its own (in-process nodes)."""
        for attempt in range(self.max_retries + 1):
            try:
                return await call()
            except BackendUnavailable:
                if attempt == self.max_retries:
                    raise
                await asyncio.sleep(self.backoff_s * 2**attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _shadow(self, p: PlannedAction, mode: Mode) -> ChannelResult:
        action = p.action
        params: dict[str, Any] = {"kind": action.kind.value, "channel_point": action.channel_point}
        detail = p.why
        if isinstance(action, PolicyChange):
            params["requested"] = policy_json(action.policy)
            try:
                current = await self.backend.get_policy(action.channel_point)
            except BackendError as exc:
                detail += f"; current policy not readable: {exc}"
            else:
                params["current"] = policy_json(current)
                params["would_change"] = differences(current, action.policy)
        elif isinstance(action, RebalanceOrder):
            params.update(amount_sat=action.amount_sat, max_fee_msat=action.max_fee_msat)
        # The decision itself is in the shadow log (``pipeline``); this records what the executor
        # would have sent, in the audit log, so the decisions table keeps one row per decision.
        await self.txlog.audit(
            AuditEntry(
                at=self.now(),
                actor="executor",
                action=f"shadow:{action.kind.value}",
                target=f"chan:{action.chan_id}",
                details={**params, "mode": mode.value, "reasons": [*action.reasons, p.why]},
            )
        )
        return ChannelResult(action.chan_id, action.channel_point, action.kind, ItemStatus.SHADOW, detail)

    async def _log_skipped(self, tx_id: int, action: Action) -> ChannelResult:
        detail = "not sent: an earlier action of the batch failed"
        item = await self.txlog.add_item(
            tx_id,
            action.chan_id,
            action.channel_point,
            _requested(action),
            None,
            {"status": ItemStatus.SKIPPED.value, "kind": action.kind.value, "detail": detail},
            self.now(),
        )
        return ChannelResult(
            action.chan_id, action.channel_point, action.kind, ItemStatus.SKIPPED, detail, item_id=item
        )

    async def _policy(self, tx_id: int, change: PolicyChange) -> ChannelResult:
        cp, kind = change.channel_point, ActionKind.POLICY

        async def finish(status: ItemStatus, detail: str, backup: RoutingPolicy | None) -> ChannelResult:
            result = {"status": status.value, "kind": kind.value, "detail": detail, "changed": False}
            requested = policy_json(change.policy)
            item = await self.txlog.add_item(tx_id, change.chan_id, cp, requested, backup, result, self.now())
            return ChannelResult(change.chan_id, cp, kind, status, detail, item_id=item)

        try:
            live = await self.retry(lambda: self.backend.get_policy(cp))
        except BackendError as exc:
            return await finish(ItemStatus.FAILED, f"could not read the live policy: {exc}", None)
        fitted, not_sent = fit_to_backend(change.policy, live, self.backend.capabilities)
        if not_sent:
            log.info("fields the backend cannot set kept", chan_id=change.chan_id, fields=list(not_sent))
            change = dc_replace(change, policy=fitted)
        requested = policy_json(change.policy)
        if same_policy(live, change.policy):
            # Also what makes a re-run after a crash safe: nothing is sent twice.
            return await finish(ItemStatus.UNCHANGED, "the live policy already is the requested one", live)
        item = await self.txlog.add_item(
            tx_id,
            change.chan_id,
            cp,
            requested,
            live,
            {"status": ItemStatus.IN_FLIGHT.value, "kind": kind.value},
            self.now(),
        )
        crash_point("logged")
        try:
            with self.observer.in_flight():
                update = await self.retry(lambda: self.backend.update_channel_policy(cp, change.policy))
        except PolicyUpdateFailed as exc:
            reason = exc.reason or str(exc)
            # LND reports refusals in failed_updates: nothing changed on the node.
            return await self._mark(
                tx_id, item, change, live, ItemStatus.FAILED, f"node refused: {reason}", None
            )
        except BackendUnavailable as exc:
            # Transport uncertainty: the update may or may not have reached the node. Only this
            # stays in flight for reconcile.
            detail = f"node unreachable after the update was sent ({exc}); reconcile settles it"
            return ChannelResult(change.chan_id, cp, kind, ItemStatus.IN_FLIGHT, detail, item_id=item)
        except BackendError as exc:
            # The node answered and refused (permission denied, invalid argument, ...): nothing
            # changed, so the item is failed and no transaction is left open.
            return await self._mark(
                tx_id, item, change, live, ItemStatus.FAILED, f"node refused: {exc}", None
            )
        crash_point("sent")
        if update.verified:
            status, detail = ItemStatus.APPLIED, "verified by read-back"
        elif update.read_back is None:
            status, detail = ItemStatus.FAILED, "the policy could not be read back"
        elif not update.mismatches and not set(differences(live, change.policy)) & set(
            update.unverified_fields
        ):
            # Every field this change moved was read back and matches; the others the backend
            # cannot read are named, never claimed.
            checked = ", ".join(f for f in differences(live, change.policy))
            status = ItemStatus.APPLIED
            unread = ", ".join(update.unverified_fields)
            detail = f"verified by read-back on {checked}; not readable here: {unread}"
        elif not update.mismatches:
            fields = ", ".join(update.unverified_fields)
            status, detail = ItemStatus.FAILED, f"sent, but the backend cannot read back {fields}"
        else:
            status, detail = ItemStatus.FAILED, "read-back differs in " + ", ".join(sorted(update.mismatches))
        if not_sent:
            detail += f"; kept as they are (this backend cannot set them): {', '.join(not_sent)}"
        result = await self._mark(tx_id, item, change, live, status, detail, update.read_back)
        crash_point("marked")
        return result

    async def _mark(
        self,
        tx_id: int,
        item: int,
        change: PolicyChange,
        backup: RoutingPolicy,
        status: ItemStatus,
        detail: str,
        read_back: RoutingPolicy | None,
    ) -> ChannelResult:
        refused = read_back is None and status is ItemStatus.FAILED and detail.startswith("node refused")
        # An unknown read-back counts as changed, so that a rollback still restores the backup.
        changed = not refused and (read_back is None or not same_policy(read_back, backup))
        mismatches = differences(change.policy, read_back) if read_back is not None else {}
        # Stamped with the time lnpilot acted, never the node's last_update: limits are judged
        # against our clock, so history must be on it too (a node's clock may be anywhere).
        changed_at = self.now()
        await self.txlog.set_item_result(
            item,
            {
                "status": status.value,
                "kind": ActionKind.POLICY.value,
                "detail": detail,
                "changed": changed,
                "changed_at": changed_at,
                "read_back": None if read_back is None else policy_json(read_back),
                "mismatches": {k: list(v) for k, v in mismatches.items()},
            },
            self.now(),
        )
        if changed and read_back is not None:
            await self.txlog.record_policy_change(change.chan_id, backup, read_back, tx_id, changed_at)
        return ChannelResult(
            change.chan_id, change.channel_point, ActionKind.POLICY, status, detail, changed, mismatches, item
        )


def _requested(action: Action) -> dict[str, Any]:
    if isinstance(action, PolicyChange):
        return policy_json(action.policy)
    if isinstance(action, RebalanceOrder):
        return requested_json(action)
    return {"kind": action.kind.value}
