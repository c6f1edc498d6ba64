"""The executor's transaction log in the store: one SQL transaction per step, committed at once.

Each method opens and commits its own database transaction, so a step written here survives a
crash of the process right after it returns: the executor writes the backup and the in-flight
mark *before* it sends anything to the node. Item state lives in the item's ``result`` JSON
(``{"status": ..., ...}``); the transaction's own status follows ``TX_TRANSITIONS``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from lnpilot.domain.graph import RoutingPolicy
from lnpilot.errors import NotFoundError
from lnpilot.store.codec import chan_from_db, chan_to_db, policy_to_json
from lnpilot.store.records import (
    TX_TRANSITIONS,
    AuditEntry,
    DecisionRecord,
    InvalidTransition,
    TransactionItem,
    TransactionRecord,
    TxStatus,
)
from lnpilot.store.tables import audit_log, decisions, policy_changes, transaction_items, transactions
from lnpilot.store.tables import validation_history as history

UNFINISHED = (TxStatus.PENDING, TxStatus.IN_FLIGHT)


class SqlTransactionLog:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def open(self, mode: str, note: str, now: int, decision_id: int | None = None) -> int:
        async with self._engine.begin() as conn:
            result = await conn.execute(
                insert(transactions).values(
                    created_at=now,
                    updated_at=now,
                    mode=mode,
                    status=TxStatus.PENDING.value,
                    decision_id=decision_id,
                    note=note,
                )
            )
            return int(result.inserted_primary_key[0])  # type: ignore[index]

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
        async with self._engine.begin() as conn:
            row = await conn.execute(
                insert(transaction_items).values(
                    tx_id=tx_id,
                    chan_id=chan_to_db(chan_id),
                    channel_point=channel_point,
                    backup_policy=policy_to_json(backup),
                    requested_policy=requested,
                    result=result,
                )
            )
            status = await self._status(conn, tx_id)
            if status is TxStatus.PENDING:
                await self._move(conn, tx_id, status, TxStatus.IN_FLIGHT, now)
            return int(row.inserted_primary_key[0])  # type: ignore[index]

    async def set_item_result(self, item_id: int, result: dict[str, Any], now: int) -> None:
        async with self._engine.begin() as conn:
            tx_id = (
                await conn.execute(
                    update(transaction_items)
                    .where(transaction_items.c.id == item_id)
                    .values(result=result)
                    .returning(transaction_items.c.tx_id)
                )
            ).scalar_one()
            await conn.execute(update(transactions).where(transactions.c.id == tx_id).values(updated_at=now))

    async def set_status(self, tx_id: int, status: TxStatus, now: int, note: str | None = None) -> None:
        async with self._engine.begin() as conn:
            await self._move(conn, tx_id, await self._status(conn, tx_id), status, now, note)

    async def record_policy_change(
        self, chan_id: int, old: RoutingPolicy | None, new: RoutingPolicy, tx_id: int, now: int
    ) -> None:
        """Policy history plus the validator's history (cooldowns and daily counts)."""
        async with self._engine.begin() as conn:
            await conn.execute(
                insert(policy_changes).values(
                    chan_id=chan_to_db(chan_id),
                    changed_at=now,
                    source="lnpilot",
                    old_policy=policy_to_json(old),
                    new_policy=policy_to_json(new),
                )
            )
            await conn.execute(
                insert(history).values(
                    chan_id=chan_to_db(chan_id), changed_at=now, kind="policy", tx_id=tx_id
                )
            )

    async def record_rebalance(self, chan_id: int, tx_id: int, now: int) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                insert(history).values(
                    chan_id=chan_to_db(chan_id), changed_at=now, kind="rebalance", tx_id=tx_id
                )
            )

    async def record_shadow(self, record: DecisionRecord) -> int:
        async with self._engine.begin() as conn:
            result = await conn.execute(
                insert(decisions).values(
                    created_at=record.created_at,
                    type=record.type,
                    chan_id=None if record.chan_id is None else chan_to_db(record.chan_id),
                    params=record.params,
                    reasons=record.reasons,
                    confidence=record.confidence,
                    profile=record.profile,
                    mode=record.mode,
                    would_execute=record.would_execute,
                )
            )
            return int(result.inserted_primary_key[0])  # type: ignore[index]

    async def audit(self, entry: AuditEntry) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                insert(audit_log).values(
                    at=entry.at,
                    actor=entry.actor,
                    action=entry.action,
                    target=entry.target,
                    details=entry.details,
                )
            )

    async def get(self, tx_id: int) -> TransactionRecord:
        async with self._engine.connect() as conn:
            records = await self._load(conn, [tx_id])
        if not records:
            raise NotFoundError(f"no transaction {tx_id}")
        return records[0]

    async def unfinished(self) -> list[TransactionRecord]:
        async with self._engine.connect() as conn:
            ids = (
                await conn.execute(
                    select(transactions.c.id)
                    .where(transactions.c.status.in_([s.value for s in UNFINISHED]))
                    .order_by(transactions.c.id)
                )
            ).scalars()
            return await self._load(conn, list(ids))

    async def recent(self, limit: int = 50) -> list[TransactionRecord]:
        async with self._engine.connect() as conn:
            ids = (
                await conn.execute(select(transactions.c.id).order_by(transactions.c.id.desc()).limit(limit))
            ).scalars()
            return await self._load(conn, list(ids))

    async def count(self) -> int:
        async with self._engine.connect() as conn:
            return int((await conn.execute(select(func.count()).select_from(transactions))).scalar_one())

    @staticmethod
    async def _status(conn: AsyncConnection, tx_id: int) -> TxStatus:
        value = (
            await conn.execute(select(transactions.c.status).where(transactions.c.id == tx_id))
        ).scalar_one_or_none()
        if value is None:
            raise NotFoundError(f"no transaction {tx_id}")
        return TxStatus(value)

    @staticmethod
    async def _move(
        conn: AsyncConnection, tx_id: int, old: TxStatus, new: TxStatus, now: int, note: str | None = None
    ) -> None:
        if new is not old and new not in TX_TRANSITIONS[old]:
            raise InvalidTransition(f"transaction {tx_id}: cannot go from {old.value} to {new.value}")
        values: dict[str, Any] = {"status": new.value, "updated_at": now}
        if note is not None:
            values["note"] = note
        await conn.execute(update(transactions).where(transactions.c.id == tx_id).values(**values))

    @staticmethod
    async def _load(conn: AsyncConnection, ids: list[int]) -> list[TransactionRecord]:
        if not ids:
            return []
        rows = (await conn.execute(select(transactions).where(transactions.c.id.in_(ids)))).mappings().all()
        item_rows = (
            (
                await conn.execute(
                    select(transaction_items)
                    .where(transaction_items.c.tx_id.in_(ids))
                    .order_by(transaction_items.c.id)
                )
            )
            .mappings()
            .all()
        )
        items: dict[int, list[TransactionItem]] = {}
        for r in item_rows:
            items.setdefault(r["tx_id"], []).append(
                TransactionItem(
                    chan_id=chan_from_db(r["chan_id"]),
                    channel_point=r["channel_point"],
                    requested_policy=r["requested_policy"],
                    backup_policy=r["backup_policy"],
                    result=r["result"],
                    id=r["id"],
                )
            )
        by_id = {
            r["id"]: TransactionRecord(
                created_at=r["created_at"],
                updated_at=r["updated_at"],
                mode=r["mode"],
                status=TxStatus(r["status"]),
                items=tuple(items.get(r["id"], ())),
                decision_id=r["decision_id"],
                note=r["note"],
                id=r["id"],
            )
            for r in rows
        }
        return [by_id[i] for i in ids if i in by_id]
