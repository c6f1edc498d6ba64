"""Ledger events: every balance-changing event with a stable id, and their CSV / JSON layouts.

Amounts are signed millisatoshis from the node's point of view: income is positive, a cost is
negative. Opens and closes move our own money between the chain wallet and a channel: they are
``transfer`` rows (no effect on profit) so that the ledger's profit total equals the P&L. Invoices
paid to us and payments we sent move money in and out of the node without being routing profit;
only a payment's fee is a cost.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any


class Category(StrEnum):
    FORWARD_FEE = "forward_fee"  # earned routing a payment (income)
    REBALANCE_FEE = "rebalance_fee"  # paid to move our own liquidity (cost)
    ONCHAIN_FEE = "onchain_fee"  # miner fee of an open, close, sweep or other wallet tx (cost)
    CHANNEL_OPEN = "channel_open"  # wallet -> channel (transfer)
    CHANNEL_CLOSE = "channel_close"  # channel -> wallet (transfer)
    INVOICE = "invoice"  # paid to us by another node on an invoice (received, not routing income)
    PAYMENT = "payment"  # the amount we paid another node (sent)
    PAYMENT_FEE = "payment_fee"  # the routing fee of a payment we sent (cost)


PROFIT_CATEGORIES = frozenset(
    {Category.FORWARD_FEE, Category.REBALANCE_FEE, Category.ONCHAIN_FEE, Category.PAYMENT_FEE}
)


@dataclass(frozen=True, slots=True)
class LedgerEvent:
    id: str  # stable across exports: derived from the event's own natural key
    at_s: int
    amount_msat: int
    category: Category
    chan_id: int | None = None
    counterparty: str = ""  # peer pubkey, or the tx hash for on-chain rows
    note: str = ""

    @property
    def affects_profit(self) -> bool:
        return self.category in PROFIT_CATEGORIES


COLUMNS = ("id", "time", "at_s", "amount_msat", "category", "chan_id", "counterparty", "note")
# `bos accounting --csv` columns (Balance of Satoshis): Amount, Asset, Date & Time, Fee, Notes,
# Network ID, Transaction ID, Type. Amounts there are in sats, fees as positive numbers.
BOS_COLUMNS = ("Amount", "Asset", "Date & Time", "Fee", "Notes", "Network ID", "Transaction ID", "Type")
_BOS_TYPE = {
    Category.FORWARD_FEE: "income",
    Category.REBALANCE_FEE: "fee:network",
    Category.ONCHAIN_FEE: "fee:network",
    Category.CHANNEL_OPEN: "transfer",
    Category.CHANNEL_CLOSE: "transfer",
    Category.INVOICE: "income",
    Category.PAYMENT: "spend",
    Category.PAYMENT_FEE: "fee:network",
}


def _iso(at_s: int) -> str:
    return datetime.fromtimestamp(at_s, UTC).isoformat().replace("+00:00", "Z")


def sort_events(events: Iterable[LedgerEvent]) -> list[LedgerEvent]:
    return sorted(events, key=lambda e: (e.at_s, e.id))


def to_rows(events: Sequence[LedgerEvent]) -> list[dict[str, Any]]:
    rows = []
    for e in events:
        row = asdict(e)
        row["category"] = e.category.value
        row["time"] = _iso(e.at_s)
        rows.append({k: row[k] for k in COLUMNS})
    return rows


def to_json(
    events: Sequence[LedgerEvent], totals: Mapping[str, int | None], status: Mapping[str, Any] | None = None
) -> str:
    """The events and totals; ``status`` (revenue measured or not, and why) is merged in when given."""
    return json.dumps({"events": to_rows(events), "totals_msat": dict(totals), **(status or {})}, indent=2)


def to_csv(events: Sequence[LedgerEvent]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in to_rows(events):
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return out.getvalue()


def to_bos_csv(events: Sequence[LedgerEvent]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(BOS_COLUMNS)
    for e in events:
        is_fee = e.category in (Category.REBALANCE_FEE, Category.ONCHAIN_FEE, Category.PAYMENT_FEE)
        amount_sat = 0 if is_fee else e.amount_msat / 1000
        fee_sat = -e.amount_msat / 1000 if is_fee else 0
        writer.writerow(
            [
                f"{amount_sat:.3f}",
                "BTC",
                _iso(e.at_s),
                f"{fee_sat:.3f}",
                e.note,
                "" if e.chan_id is None else str(e.chan_id),
                e.id,
                _BOS_TYPE[e.category],
            ]
        )
    return out.getvalue()


def totals_by_category(events: Iterable[LedgerEvent]) -> dict[str, int]:
    totals = {c.value: 0 for c in Category}
    for e in events:
        totals[e.category.value] += e.amount_msat
    totals["profit"] = sum(totals[c.value] for c in PROFIT_CATEGORIES)
    return totals
