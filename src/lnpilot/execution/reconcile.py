"""Crash recovery: settle every logged-but-unfinished step against the live node.

For each policy step left in flight the live policy decides: it equals the request (the update
got through before the crash), the backup (it did not), or neither (someone else changed it).
A rebalance left in flight cannot be read back through the backend protocol, so it is marked
unknown rather than guessed. Nothing is re-sent here; a re-run of the batch skips channels whose
live policy already is the requested one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import structlog

from lnpilot.backends.base import BackendError, NodeBackend
from lnpilot.domain.graph import RoutingPolicy
from lnpilot.execution.results import ItemStatus
from lnpilot.execution.verify import policy_from, policy_json, same_policy
from lnpilot.store.records import AuditEntry, TransactionItem, TxStatus
from lnpilot.store.repos.transaction_log import SqlTransactionLog

log = structlog.get_logger(__name__)
Retry = Callable[[Callable[[], Awaitable[RoutingPolicy]]], Awaitable[RoutingPolicy]]


@dataclass(frozen=True, slots=True)
class ReconcileOutcome:
    tx_id: int
    chan_id: int
    status: ItemStatus
    detail: str


async def reconcile(
    backend: NodeBackend,
    txlog: SqlTransactionLog,
    now: Callable[[], int],
    retry: Retry,
) -> list[ReconcileOutcome]:
    outcomes: list[ReconcileOutcome] = []
    for record in await txlog.unfinished():
        assert record.id is not None
        settled: list[ReconcileOutcome] = []
        unsettled = False
        for item in record.items:
            if (item.result or {}).get("status") != ItemStatus.IN_FLIGHT.value:
                continue
            try:
                outcome = await _settle(backend, txlog, record.id, item, now, retry)
            except BackendError as exc:
                # Still cannot tell: keep it in flight for the next attempt, never guess.
                unsettled = True
                log.warning("reconcile deferred", tx_id=record.id, chan_id=item.chan_id, error=str(exc))
                continue
            settled.append(outcome)
        outcomes.extend(settled)
        if unsettled:
            continue
        if record.status is TxStatus.PENDING:
            await txlog.set_status(record.id, TxStatus.FAILED, now(), note=record.note + "; nothing was sent")
        else:
            await txlog.set_status(
                record.id, TxStatus.RECONCILED, now(), note=record.note + "; reconciled after an interruption"
            )
        await txlog.audit(
            AuditEntry(
                now(),
                "executor",
                "reconcile",
                f"tx:{record.id}",
                {"items": [{"chan_id": str(o.chan_id), "status": o.status.value} for o in settled]},
            )
        )
    return outcomes


async def _settle(
    backend: NodeBackend,
    txlog: SqlTransactionLog,
    tx_id: int,
    item: TransactionItem,
    now: Callable[[], int],
    retry: Retry,
) -> ReconcileOutcome:
    assert item.id is not None
    requested = policy_from(item.requested_policy)
    backup = policy_from(item.backup_policy)
    base: dict[str, Any] = {"kind": (item.result or {}).get("kind", "policy"), "reconciled": True}
    if requested is None:
        what = (
            "close: check the node's pending and closed channels"
            if base["kind"] == "close"
            else ("rebalance: check the node's payments")
        )
        detail = f"interrupted {what}; not retried"
        await txlog.set_item_result(
            item.id, {**base, "status": ItemStatus.UNKNOWN.value, "detail": detail}, now()
        )
        return ReconcileOutcome(tx_id, item.chan_id, ItemStatus.UNKNOWN, detail)
    live = await retry(lambda: backend.get_policy(item.channel_point))
    if same_policy(live, requested):
        status, detail, changed = ItemStatus.APPLIED, "the node has the requested policy", True
    elif same_policy(live, backup):
        status, detail, changed = ItemStatus.NOT_APPLIED, "the node still has the backed-up policy", False
    else:
        status, detail, changed = ItemStatus.DIVERGED, "the node has neither the backup nor the request", True
    changed_at = live.last_update or now()
    current = next((i for i in (await txlog.get(tx_id)).items if i.id == item.id), item)
    if (current.result or {}).get("status") != ItemStatus.IN_FLIGHT.value:
        # A running executor marked it meanwhile (it had the node's own answer): keep its word.
        status = ItemStatus((current.result or {}).get("status", ItemStatus.UNKNOWN.value))
        return ReconcileOutcome(tx_id, item.chan_id, status, "settled by the executor that sent it")
    await txlog.set_item_result(
        item.id,
        {
            **base,
            "status": status.value,
            "detail": detail,
            "changed": changed,
            "changed_at": changed_at,
            "read_back": policy_json(live),
        },
        now(),
    )
    if status is ItemStatus.APPLIED:
        await txlog.record_policy_change(item.chan_id, backup, live, tx_id, changed_at)
    log.info("reconciled", tx_id=tx_id, chan_id=item.chan_id, status=status.value)
    return ReconcileOutcome(tx_id, item.chan_id, status, detail)
