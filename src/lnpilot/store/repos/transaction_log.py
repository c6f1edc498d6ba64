"""The executor's transaction log: one committed database transaction per step.

Each method commits its own database transaction, so a step written here survives a crash of the
process right after it returns: the executor writes the backup and the in-flight mark *before*
it sends anything to the node. Item state lives in the item's ``result`` JSON
(``{"status": ..., ...}``); the transaction's own status follows ``TX_TRANSITIONS``. The SQL is
in the repositories (``transactions``, ``policies``, ``validation``, ``audit``); this module is
only the sequence of writes (not imported by the unit of work, so it may import ``Store``).
"""

from __future__ import annotations

from typing import Any

from lnpilot.domain.channel_view import PolicyChange as PolicyHistoryEntry
from lnpilot.domain.graph import RoutingPolicy
from lnpilot.store.records import AuditEntry, TransactionItem, TransactionRecord, TxStatus
from lnpilot.store.repos.audit import AuditRepository
from lnpilot.store.repos.policies import PolicyRepository
from lnpilot.store.repos.transactions import TransactionRepository
from lnpilot.store.repos.validation import ValidationRepository
from lnpilot.store.store import Store


class SqlTransactionLog:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def open(self, mode: str, note: str, now: int, decision_id: int | None = None) -> int:
        record = TransactionRecord(now, now, mode, TxStatus.PENDING, (), decision_id=decision_id, note=note)
        async with self.store.engine.begin() as conn:
            return await TransactionRepository(conn).create(record)

    async def add_item(
        self,
        tx_id: int,
        chan_id: int,
        channel_point: str,
        requested: dict[str, Any],
        backup: RoutingPolicy | None,
        result: dict[str, Any],
        now: int,
    ) -> int:
        """Log one channel's step and move the transaction to in flight, atomically."""
        async with self.store.engine.begin() as conn:
            txs = TransactionRepository(conn)
            item_id = await txs.append_item(tx_id, chan_id, channel_point, requested, backup, result)
            if (await txs.get(tx_id)).status is TxStatus.PENDING:
                await txs.transition(tx_id, TxStatus.IN_FLIGHT, now)
            return item_id

    async def set_item_result(self, item_id: int, result: dict[str, Any], now: int) -> None:
        async with self.store.engine.begin() as conn:
            await TransactionRepository(conn).set_item_result(item_id, result, now)

    async def set_status(self, tx_id: int, status: TxStatus, now: int, note: str | None = None) -> None:
        async with self.store.engine.begin() as conn:
            await TransactionRepository(conn).transition(tx_id, status, now, note)

    async def record_policy_change(
        self, chan_id: int, old: RoutingPolicy | None, new: RoutingPolicy, tx_id: int, now: int
    ) -> None:
        """Policy history plus the validator's history (cooldowns and daily counts)."""
        async with self.store.engine.begin() as conn:
            await PolicyRepository(conn).add(chan_id, PolicyHistoryEntry(now, old, new, source="lnpilot"))
            await ValidationRepository(conn).record(chan_id, now, kind="policy", tx_id=tx_id)

    async def record_rebalance(self, chan_id: int, tx_id: int, now: int, cost_msat: int = 0) -> None:
        """A rebalance into ``chan_id`` and what it cost: the validator's cooldown, count and caps."""
        async with self.store.engine.begin() as conn:
            await ValidationRepository(conn).record(
                chan_id, now, kind="rebalance", tx_id=tx_id, cost_msat=cost_msat
            )

    async def audit(self, entry: AuditEntry) -> None:
        async with self.store.engine.begin() as conn:
            await AuditRepository(conn).add(entry)

    async def get(self, tx_id: int) -> TransactionRecord:
        async with self.store.engine.connect() as conn:
            return await TransactionRepository(conn).get(tx_id)

    async def items_after(self, chan_id: int, after_tx_id: int) -> list[tuple[int, TransactionItem]]:
        async with self.store.engine.connect() as conn:
            return await TransactionRepository(conn).items_after(chan_id, after_tx_id)

    async def unfinished(self) -> list[TransactionRecord]:
        async with self.store.engine.connect() as conn:
            return await TransactionRepository(conn).open()

    async def recent(self, limit: int = 50, status: TxStatus | None = None) -> list[TransactionRecord]:
        async with self.store.engine.connect() as conn:
            return await TransactionRepository(conn).search(status=status, limit=limit)


async def rebalances_since(store: Store, since: int) -> list[tuple[int, int, int]]:
    """``(chan_id, at, cost_msat)`` of every rebalance since ``since``."""
    async with store.unit_of_work() as uow:
        return await uow.validation.rebalances_since(since)


async def applied_changes_since(store: Store, since: int, kind: str = "policy") -> list[tuple[int, int]]:
    """``(chan_id, changed_at)`` of every change since ``since``: the validator's history input."""
    async with store.unit_of_work() as uow:
        return await uow.validation.changes_since(since, kind)
