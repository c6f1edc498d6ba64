"""Manual rollback: restore exactly the backed-up policies of the channels a transaction changed.

The rollback is itself a logged transaction (backup = the live policy, request = the original
backup), so it is crash-safe the same way and can be inspected like any other. The original
transaction becomes ``rolled_back`` only once every channel it changed is restored and verified.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from functools import partial

from lnpilot.backends.base import BackendError
from lnpilot.domain.graph import RoutingPolicy
from lnpilot.errors import ConflictError
from lnpilot.execution.actions import PolicyChange
from lnpilot.execution.plan import Mode
from lnpilot.execution.results import ChannelResult, ItemStatus
from lnpilot.execution.steps import RollbackHost, StepHost
from lnpilot.execution.verify import policy_from, same_policy
from lnpilot.store.records import AuditEntry, TransactionItem, TransactionRecord, TxStatus

ROLLBACK_NOTE = "rollback of tx"
ROLLBACKABLE = frozenset({TxStatus.APPLIED, TxStatus.FAILED, TxStatus.RECONCILED})


@dataclass(frozen=True, slots=True)
class RollbackResult:
    tx_id: int
    rollback_tx_id: int | None  # None when the transaction changed nothing
    results: tuple[ChannelResult, ...]
    complete: bool  # every changed channel now has its backed-up policy, verified

    def to_dict(self) -> dict[str, object]:
        return {
            "tx_id": self.tx_id,
            "rollback_tx_id": self.rollback_tx_id,
            "complete": self.complete,
            "results": [r.to_dict() for r in self.results],
        }


def changed_items(record: TransactionRecord) -> list[TransactionItem]:
    """Policy items that really changed the node and were not restored yet."""
    out = []
    for item in record.items:
        result = item.result or {}
        if result.get("changed") and not result.get("rolled_back_by") and policy_from(item.backup_policy):
            out.append(item)
    return out


class RollbackConflict(ConflictError):
    """A channel changed after the transaction: restoring its backup would undo the newer change."""

    def __init__(self, message: str, superseded: dict[int, str]) -> None:
        super().__init__(message)
        self.superseded = superseded


def set_by(item: TransactionItem) -> RoutingPolicy | None:
    """The policy the item left on the node: its read-back, else what it requested."""
    return policy_from((item.result or {}).get("read_back")) or policy_from(item.requested_policy)


async def superseded(executor: StepHost, tx_id: int, items: list[TransactionItem]) -> dict[int, str]:
    """chan_id -> the later change a restore of ``tx_id`` would undo, for each channel whose live
    policy is no longer what ``tx_id`` set (changed later by lnpilot or outside it)."""
    found: dict[int, str] = {}
    for item in items:
        ours = set_by(item)
        try:
            live = await executor.retry(partial(executor.backend.get_policy, item.channel_point))
        except BackendError:
            continue  # unknown here; the restore reads the live policy again and fails safely
        if ours is None or same_policy(live, ours):
            continue
        later = [
            (later_tx, i)
            for later_tx, i in await executor.txlog.items_after(item.chan_id, tx_id)
            if (i.result or {}).get("changed")
        ]
        if later:
            later_tx, newer = later[-1]
            by = f"tx {later_tx} set it to {(set_by(newer) or live).fee_rate_ppm} ppm"
        else:
            by = "changed outside lnpilot"
        now_vs_then = f"live {live.fee_rate_ppm} ppm, tx {tx_id} set {ours.fee_rate_ppm} ppm"
        found[item.chan_id] = f"channel {item.chan_id}: {by} ({now_vs_then})"
    return found


async def rollback(
    executor: RollbackHost,
    tx_id: int,
    *,
    chan_ids: Collection[int] | None = None,
    reason: str = "manual",
    force: bool = False,
) -> RollbackResult:
    """Restore the backups of ``tx_id``'s changed channels (all, or only ``chan_ids``).

    A channel whose policy changed after ``tx_id`` (by a later transaction or outside lnpilot) is
    refused with ``RollbackConflict`` naming the later change; ``force`` restores anyway and marks
    on the item what it overrode."""
    if not executor.reconciled:
        await executor.reconcile()
    record = await executor.txlog.get(tx_id)
    if record.status not in ROLLBACKABLE:
        raise ConflictError(f"transaction {tx_id} is {record.status.value}: nothing to roll back")
    items = [i for i in changed_items(record) if chan_ids is None or i.chan_id in chan_ids]
    if not items:
        return RollbackResult(tx_id, None, (), complete=True)
    newer = await superseded(executor, tx_id, items)
    if newer and not force:
        raise RollbackConflict(
            f"transaction {tx_id} was superseded: "
            + "; ".join(newer[c] for c in sorted(newer))
            + " (use --force, or force=true in the API, to restore anyway)",
            newer,
        )
    changes = []
    for item in items:
        backup = policy_from(item.backup_policy)
        assert backup is not None
        changes.append(
            PolicyChange(item.chan_id, item.channel_point, backup, (f"rollback of tx {tx_id}: {reason}",))
        )
    # The rollback runs for real on exactly these channels, whatever the configured mode.
    batch = await executor.restorer().apply(changes, Mode.LIVE, note=f"{ROLLBACK_NOTE} {tx_id} ({reason})")
    restored = {r.chan_id for r in batch.results if r.status in {ItemStatus.APPLIED, ItemStatus.UNCHANGED}}
    now = executor.now()
    for item in items:
        if item.chan_id in restored:
            assert item.id is not None
            await executor.txlog.set_item_result(
                item.id,
                {
                    **(item.result or {}),
                    "rolled_back_by": batch.tx_id,
                    "rollback_reason": reason,
                    **({"overrode": newer[item.chan_id]} if item.chan_id in newer else {}),
                },
                now,
            )
    label = "automatic" if reason.startswith("automatic") else "manual"
    for chan_id in sorted(restored):
        await executor.observer.rolled_back(chan_id, label, reason, tx_id, now)
    complete = all(r.status in {ItemStatus.APPLIED, ItemStatus.UNCHANGED} for r in batch.results)
    if complete and not changed_items(await executor.txlog.get(tx_id)):
        await executor.txlog.set_status(
            tx_id, TxStatus.ROLLED_BACK, now, note=f"{record.note}; rolled back ({reason})"
        )
    await executor.txlog.audit(
        AuditEntry(
            now,
            "executor",
            "rollback",
            f"tx:{tx_id}",
            {
                "rollback_tx_id": batch.tx_id,
                "reason": reason,
                "channels": sorted(str(c) for c in restored),
                "forced_over": {str(c): newer[c] for c in sorted(newer)},
            },
        )
    )
    return RollbackResult(tx_id, batch.tx_id, batch.results, complete)
