"""Manual rollback: restore exactly the backed-up policies of the channels a transaction changed.

The rollback is itself a logged transaction (backup = the live policy, request = the original
backup), so it is crash-safe the same way and can be inspected like any other. The original
transaction becomes ``rolled_back`` only once every channel it changed is restored and verified.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from lnpilot.errors import InvalidInputError
from lnpilot.execution.actions import PolicyChange
from lnpilot.execution.plan import Mode
from lnpilot.execution.results import ChannelResult, ItemStatus
from lnpilot.execution.steps import RollbackHost
from lnpilot.execution.verify import policy_from
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


async def rollback(
    executor: RollbackHost, tx_id: int, *, chan_ids: Collection[int] | None = None, reason: str = "manual"
) -> RollbackResult:
    """Restore the backups of ``tx_id``'s changed channels (all, or only ``chan_ids``)."""
    if not executor.reconciled:
        await executor.reconcile()
    record = await executor.txlog.get(tx_id)
    if record.status not in ROLLBACKABLE:
        raise InvalidInputError(f"transaction {tx_id} is {record.status.value}: nothing to roll back")
    items = [i for i in changed_items(record) if chan_ids is None or i.chan_id in chan_ids]
    if not items:
        return RollbackResult(tx_id, None, (), complete=True)
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
                {**(item.result or {}), "rolled_back_by": batch.tx_id, "rollback_reason": reason},
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
            {"rollback_tx_id": batch.tx_id, "reason": reason, "channels": sorted(str(c) for c in restored)},
        )
    )
    return RollbackResult(tx_id, batch.tx_id, batch.results, complete)
