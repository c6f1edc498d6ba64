"""Transactions (one policy change or rebalance, logged before it is sent) with their items and backups.

The one repository of the transaction aggregate; ``transaction_log.SqlTransactionLog`` is the
executor's sequence of committed writes on top of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select, update

from lnpilot.domain.graph import RoutingPolicy
from lnpilot.errors import NotFoundError
from lnpilot.store.codec import chan_from_db, chan_to_db, policy_to_json
from lnpilot.store.records import (
    TX_TRANSITIONS,
    InvalidTransition,
    TransactionItem,
    TransactionRecord,
    TxStatus,
)
from lnpilot.store.repos.base import Repository
from lnpilot.store.tables import transaction_items, transactions

_IN_CHUNK = 10_000

OPEN_STATUSES = (TxStatus.PENDING, TxStatus.IN_FLIGHT)


def _item(row: Mapping[Any, Any]) -> TransactionItem:
    return TransactionItem(
        id=row["id"],
        chan_id=chan_from_db(row["chan_id"]),
        channel_point=row["channel_point"],
        backup_policy=row["backup_policy"],
        requested_policy=row["requested_policy"],
        result=row["result"],
    )


class TransactionRepository(Repository):
    async def create(self, record: TransactionRecord) -> int:
        result = await self._conn.execute(
            transactions.insert().values(
                created_at=record.created_at,
                updated_at=record.updated_at,
                mode=record.mode,
                status=TxStatus(record.status).value,
                decision_id=record.decision_id,
                note=record.note,
            )
        )
        tx_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        if record.items:
            await self._conn.execute(
                transaction_items.insert(),
                [
                    {
                        "tx_id": tx_id,
                        "chan_id": chan_to_db(item.chan_id),
                        "channel_point": item.channel_point,
                        "backup_policy": item.backup_policy,
                        "requested_policy": item.requested_policy,
                        "result": item.result,
                    }
                    for item in record.items
                ],
            )
        return tx_id

    async def get(self, tx_id: int) -> TransactionRecord:
        row = (
            (await self._conn.execute(select(transactions).where(transactions.c.id == tx_id)))
            .mappings()
            .first()
        )
        if row is None:
            raise NotFoundError(f"no transaction with id {tx_id}")
        query = (
            select(transaction_items)
            .where(transaction_items.c.tx_id == tx_id)
            .order_by(transaction_items.c.id)
        )
        items = tuple(_item(r) for r in (await self._conn.execute(query)).mappings())
        return TransactionRecord(
            id=row["id"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            mode=row["mode"],
            status=TxStatus(row["status"]),
            decision_id=row["decision_id"],
            note=row["note"],
            items=items,
        )

    async def transition(self, tx_id: int, new_status: TxStatus, now: int, note: str | None = None) -> None:
        """Move a transaction along its state machine; an illegal move raises InvalidTransition."""
        current = await self.get(tx_id)
        new_status = TxStatus(new_status)
        if new_status not in TX_TRANSITIONS[current.status]:
            raise InvalidTransition(
                f"transaction {tx_id}: {current.status.value} -> {new_status.value} is not allowed"
            )
        values: dict[str, Any] = {"status": new_status.value, "updated_at": now}
        if note is not None:
            values["note"] = note
        # The status guard makes a concurrent move of the same transaction lose instead of overwrite.
        result = await self._conn.execute(
            update(transactions)
            .where(transactions.c.id == tx_id, transactions.c.status == current.status.value)
            .values(**values)
        )
        if result.rowcount != 1:
            raise InvalidTransition(f"transaction {tx_id} changed state concurrently")

    async def append_item(
        self,
        tx_id: int,
        chan_id: int,
        channel_point: str,
        requested: dict[str, Any],
        backup: RoutingPolicy | None,
        result: dict[str, Any],
    ) -> int:
        """Add one channel's step to an existing transaction; returns the item id."""
        row = await self._conn.execute(
            transaction_items.insert().values(
                tx_id=tx_id,
                chan_id=chan_to_db(chan_id),
                channel_point=channel_point,
                backup_policy=policy_to_json(backup),
                requested_policy=requested,
                result=result,
            )
        )
        return int(row.inserted_primary_key[0])  # type: ignore[index]

    async def set_item_result(self, item_id: int, result: dict[str, Any], now: int | None = None) -> int:
        """Replace an item's result; with ``now``, its transaction's ``updated_at`` moves too.
        Returns the item's transaction id."""
        query = select(transaction_items.c.tx_id).where(transaction_items.c.id == item_id)
        tx_id = (await self._conn.execute(query)).scalar_one_or_none()
        if tx_id is None:
            raise NotFoundError(f"no transaction item with id {item_id}")
        await self._conn.execute(
            update(transaction_items).where(transaction_items.c.id == item_id).values(result=result)
        )
        if now is not None:
            await self._conn.execute(
                update(transactions).where(transactions.c.id == tx_id).values(updated_at=now)
            )
        return int(tx_id)

    async def items_after(self, chan_id: int, after_tx_id: int) -> list[tuple[int, TransactionItem]]:
        """``(tx_id, item)`` of every item on ``chan_id`` in transactions newer than ``after_tx_id``."""
        query = (
            select(transaction_items)
            .where(
                transaction_items.c.chan_id == chan_to_db(chan_id), transaction_items.c.tx_id > after_tx_id
            )
            .order_by(transaction_items.c.tx_id, transaction_items.c.id)
        )
        return [(int(r["tx_id"]), _item(r)) for r in (await self._conn.execute(query)).mappings()]

    async def search(
        self, status: TxStatus | None = None, since: int | None = None, limit: int = 100
    ) -> list[TransactionRecord]:
        """Transactions newest first."""
        query = select(transactions.c.id)
        if status is not None:
            query = query.where(transactions.c.status == TxStatus(status).value)
        if since is not None:
            query = query.where(transactions.c.created_at >= since)
        query = query.order_by(transactions.c.created_at.desc(), transactions.c.id.desc()).limit(limit)
        return await self._many(list((await self._conn.execute(query)).scalars()))

    async def touching(
        self, chan_id: int, since: int | None = None, limit: int = 100
    ) -> list[TransactionRecord]:
        """Transactions with an item on ``chan_id``, newest first (the dashboard's channel page)."""
        t, i = transactions, transaction_items
        query = select(t.c.id).where(t.c.id.in_(select(i.c.tx_id).where(i.c.chan_id == chan_to_db(chan_id))))
        if since is not None:
            query = query.where(t.c.created_at >= since)
        query = query.order_by(t.c.created_at.desc(), t.c.id.desc()).limit(limit)
        return await self._many(list((await self._conn.execute(query)).scalars()))

    async def _many(self, ids: list[int]) -> list[TransactionRecord]:
        """Records of ``ids`` in their order, in two reads per 10,000 (not two per transaction)."""
        rows: dict[int, Any] = {}
        items: dict[int, list[TransactionItem]] = {tx_id: [] for tx_id in ids}
        # An IN list per chunk: asyncpg takes at most 32,767 parameters per statement, and the
        # P&L reads every transaction of its window.
        for start in range(0, len(ids), _IN_CHUNK):
            chunk = ids[start : start + _IN_CHUNK]
            found = await self._conn.execute(select(transactions).where(transactions.c.id.in_(chunk)))
            rows.update((r["id"], r) for r in found.mappings())
            query = (
                select(transaction_items)
                .where(transaction_items.c.tx_id.in_(chunk))
                .order_by(transaction_items.c.id)
            )
            for r in (await self._conn.execute(query)).mappings():
                items[r["tx_id"]].append(_item(r))
        return [
            TransactionRecord(
                id=row["id"],
                created_at=row["created_at"],
                updated_at=row["updated_at"],
                mode=row["mode"],
                status=TxStatus(row["status"]),
                decision_id=row["decision_id"],
                note=row["note"],
                items=tuple(items[tx_id]),
            )
            for tx_id in ids
            if (row := rows.get(tx_id)) is not None
        ]

    async def open(self) -> list[TransactionRecord]:
        """Pending or in-flight transactions: what a restart must reconcile."""
        query = select(transactions.c.id).where(transactions.c.status.in_([s.value for s in OPEN_STATUSES]))
        ids = list((await self._conn.execute(query.order_by(transactions.c.id))).scalars())
        return await self._many(ids)

    async def count(self) -> int:
        return int((await self._conn.execute(select(func.count()).select_from(transactions))).scalar_one())
