"""The ledger and the P&L of a window, read from the store (forwards, transaction log, chain)."""

from __future__ import annotations

from dataclasses import dataclass

from lnpilot.accounting import ledger
from lnpilot.accounting.ledger import LedgerEvent
from lnpilot.accounting.pnl import Pnl, compute
from lnpilot.accounting.sources import (
    ChannelFacts,
    PaidRebalance,
    chain_events,
    forward_events,
    payment_events,
)
from lnpilot.errors import InvalidInputError
from lnpilot.store import Store
from lnpilot.store.records import TransactionRecord

_NS = 1_000_000_000
MAX_TRANSACTIONS = 1_000_000
MAX_TIME_S = 9_000_000_000  # forwards are kept in ns in BIGINT: 2^63 ns is in 2262


@dataclass(frozen=True, slots=True)
class Books:
    since: int
    until: int
    events: tuple[LedgerEvent, ...]
    pnl: Pnl
    chain_synced: bool  # False: no chain sync ever ran, so on-chain costs are unknown, not zero
    # False: no payment sync ever ran: invoices and payments are unknown, rebalances come from
    # lnpilot's own transaction log only
    payments_synced: bool = False

    @property
    def totals(self) -> dict[str, int]:
        return ledger.totals_by_category(self.events)


def paid_rebalances(records: list[TransactionRecord]) -> list[PaidRebalance]:
    paid = []
    for record in records:
        for item in record.items:
            result = item.result or {}
            if result.get("kind") != "rebalance" or result.get("status") != "applied":
                continue
            fee = result.get("fee_msat")
            if fee is None or item.id is None or record.id is None:
                continue
            moved = int(result.get("moved_sat") or 0)
            payment_hash = str(result.get("payment_hash") or "")
            paid.append(
                PaidRebalance(
                    record.id, item.id, record.created_at, item.chan_id, int(fee), moved, payment_hash
                )
            )
    return paid


def check_window(since: int, until: int) -> None:
    if since < 0 or until <= since or until > MAX_TIME_S:
        raise InvalidInputError(
            f"bad window: since {since} must be >= 0 and before until {until} (at most {MAX_TIME_S})"
        )


async def books(store: Store, since: int, until: int) -> Books:
    """Every ledger event in ``[since, until)`` and the P&L they add up to."""
    check_window(since, until)
    async with store.unit_of_work() as uow:
        channels = await uow.channels.all(include_closed=True)
        forwards = await uow.forwards.between(since * _NS, until * _NS)
        records = await uow.transactions.search(since=since, limit=MAX_TRANSACTIONS)
        txs = await uow.chain.all(until=until)
        chain_mark = await uow.sync_state.get("chain")
        payments_mark = await uow.sync_state.get("payments")
        payments = await uow.payments.payments() if payments_mark else []
        invoices = await uow.payments.invoices() if payments_mark else []
    peer_of = {c.chan_id: c.remote_pubkey for c in channels}
    facts = [
        ChannelFacts(c.chan_id, c.channel_point, c.remote_pubkey, c.capacity_sat, c.closing_tx_hash or "")
        for c in channels
    ]
    events = [
        *forward_events(forwards, peer_of),
        *payment_events(
            payments,
            invoices,
            paid_rebalances(records),
            peer_of,
            payments_synced_at=payments_mark.synced_at if payments_mark else None,
        ),
        *chain_events(txs, facts),
    ]
    in_window = ledger.sort_events(e for e in events if since <= e.at_s < until)
    capacity = {
        c.chan_id: c.capacity_sat
        for c in channels
        if c.first_seen_at < until and (not c.closed or c.last_seen_at >= since)
    }
    pnl = compute(in_window, since=since, until=until, capacity_sat=capacity, peer_of=peer_of)
    return Books(since, until, tuple(in_window), pnl, chain_mark is not None, payments_mark is not None)
