"""Payments sent and settled invoices, upserted by hash (a payment's state changes until final)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from lnpilot.domain.payments import NodeInvoice, NodePayment
from lnpilot.store.repos.base import Repository
from lnpilot.store.repos.upsert import upsert
from lnpilot.store.tables import ln_invoices as inv
from lnpilot.store.tables import ln_payments as pay


class PaymentsRepository(Repository):
    async def add_payments(self, payments: Iterable[NodePayment]) -> int:
        count = 0
        for p in payments:
            row = {
                "payment_hash": p.payment_hash,
                "payment_index": p.payment_index,
                "status": p.status,
                "value_msat": p.value_msat,
                "fee_msat": p.fee_msat,
                "created_at": p.created_at_s,
                "settled_at": p.settled_at_s,
                "destination": p.destination,
                "first_hop_chan_id": p.first_hop_chan_id,
                "last_hop_chan_id": p.last_hop_chan_id,
                "self_payment": p.self_payment,
            }
            await upsert(self._conn, pay, row, keys=("payment_hash",))
            count += 1
        return count

    async def add_invoices(self, invoices: Iterable[NodeInvoice]) -> int:
        count = 0
        for i in invoices:
            row = {
                "r_hash": i.r_hash,
                "add_index": i.add_index,
                "state": i.state,
                "value_msat": i.value_msat,
                "amt_paid_msat": i.amt_paid_msat,
                "created_at": i.created_at_s,
                "settled_at": i.settled_at_s,
                "expiry_s": i.expiry_s,
                "memo": i.memo,
            }
            await upsert(self._conn, inv, row, keys=("r_hash",))
            count += 1
        return count

    async def payments(self) -> list[NodePayment]:
        rows = (await self._conn.execute(select(pay).order_by(pay.c.payment_index))).mappings()
        return [
            NodePayment(
                payment_hash=r["payment_hash"],
                payment_index=r["payment_index"],
                status=r["status"],
                value_msat=r["value_msat"],
                fee_msat=r["fee_msat"],
                created_at_s=r["created_at"],
                settled_at_s=r["settled_at"],
                destination=r["destination"],
                first_hop_chan_id=r["first_hop_chan_id"],
                last_hop_chan_id=r["last_hop_chan_id"],
                self_payment=bool(r["self_payment"]),
            )
            for r in rows
        ]

    async def invoices(self) -> list[NodeInvoice]:
        rows = (await self._conn.execute(select(inv).order_by(inv.c.add_index))).mappings()
        return [
            NodeInvoice(
                r_hash=r["r_hash"],
                add_index=r["add_index"],
                state=r["state"],
                value_msat=r["value_msat"],
                amt_paid_msat=r["amt_paid_msat"],
                created_at_s=r["created_at"],
                settled_at_s=r["settled_at"],
                expiry_s=r["expiry_s"],
                memo=r["memo"],
            )
            for r in rows
        ]
