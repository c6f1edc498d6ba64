"""The ledger and the P&L of a window, read from the store (forwards, transaction log, chain)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lnpilot.accounting import ledger
from lnpilot.accounting.ledger import LedgerEvent
from lnpilot.accounting.node_sums import NodeLevelRevenue, node_level_revenue
from lnpilot.accounting.pnl import Pnl, PnlLine, compute
from lnpilot.accounting.sources import (
    ChannelFacts,
    PaidRebalance,
    chain_events,
    forward_events,
    payment_events,
)
from lnpilot.errors import InvalidInputError
from lnpilot.store import Store
from lnpilot.store.records import Coverage, NodeFeeSums, TransactionRecord

_NS = 1_000_000_000
MAX_TRANSACTIONS = 1_000_000
MAX_TIME_S = 9_000_000_000  # forwards are kept in ns in BIGINT: 2^63 ns is in 2262


@dataclass(frozen=True, slots=True)
class Books:
    since: int
    until: int
    events: tuple[LedgerEvent, ...]
    pnl: Pnl
    # Not MEASURED: on-chain costs are unknown (no chain sync ran) or not measured (the backend
    # gives no wallet history), never zero
    chain: Coverage
    # Not MEASURED: invoices, payments and their fees are unknown or not measured; rebalances come
    # from lnpilot's own transaction log only
    payments: Coverage = Coverage.NOT_SYNCED
    # False when the backend gives no per-channel forwards (LNbits): routing revenue is unknown, not 0.
    forwards_measured: bool = True
    # The node-wide fee sums the backend reported at the last sync; only kept when forwards are not
    # measured (then they are the only revenue figure there is).
    node_fee_sums: NodeFeeSums | None = None

    @property
    def chain_synced(self) -> bool:
        return self.chain is Coverage.MEASURED

    @property
    def payments_synced(self) -> bool:
        return self.payments is Coverage.MEASURED

    @property
    def totals(self) -> dict[str, int | None]:
        totals: dict[str, int | None] = dict(ledger.totals_by_category(self.events))
        if not self.forwards_measured:
            totals["forward_fee"] = totals["profit"] = None  # unknown, never a measured 0
        return totals

    @property
    def node_level(self) -> NodeLevelRevenue | None:
        """Without per-channel forwards: the node's reported fee sum when one covers this window."""
        if self.forwards_measured:
            return None
        return node_level_revenue(self.node_fee_sums, self.since, self.until)

    def node_level_net_msat(self, level: NodeLevelRevenue) -> int:
        """Node-level revenue less the node's measured costs (those not measured count as none)."""
        node = self.pnl.node
        return level.revenue_msat - node.rebalance_cost_msat - node.onchain_cost_msat - node.payment_fee_msat

    @property
    def uncounted_costs(self) -> list[str]:
        """The cost sources a net leaves out because they are unknown or not measured."""
        return [
            name
            for name, ok in (("on-chain", self.chain_synced), ("payment fees", self.payments_synced))
            if not ok
        ]

    def revenue_status(self) -> dict[str, Any]:
        """Whether routing revenue is measured, why not, and the node-wide sums that stand in: as
        they were reported, and as the window's node-level revenue when one covers the window."""
        level = self.node_level
        return {
            "revenue_measured": self.forwards_measured,
            "revenue_note": None if self.forwards_measured else REVENUE_NOT_MEASURED,
            "node_fee_sums": None if self.node_fee_sums is None else self.node_fee_sums.as_dict(),
            "node_level_revenue": None
            if level is None
            else {
                **level.as_dict(),
                "net_msat": self.node_level_net_msat(level),
                "net_excludes": self.uncounted_costs,
            },
        }

    def row(self, line: PnlLine) -> dict[str, Any]:
        """One P&L row as the CLI and the API show it: an unknown figure is None, never 0."""
        chain, paid, measured = self.chain_synced, self.payments_synced, self.forwards_measured
        return {
            "key": line.key,
            "revenue_msat": line.revenue_msat if measured else None,
            "rebalance_cost_msat": line.rebalance_cost_msat,
            "onchain_cost_msat": line.onchain_cost_msat if chain else None,
            "payment_fee_msat": line.payment_fee_msat if paid else None,
            "received_msat": line.received_msat if paid else None,
            "sent_msat": line.sent_msat if paid else None,
            "net_msat": line.net_msat if measured else None,
            "forwards": line.forwards if measured else None,
            "capacity_sat": line.capacity_sat,
            "return_on_capacity": line.return_on_capacity(self.pnl.window_s) if measured else None,
        }


REVENUE_NOT_MEASURED = (
    "routing revenue not measured: the backend (LNbits) gives no per-channel forwards; "
    "net and return on capacity are unknown with it"
)


# Why a cost column has no figure, by source and coverage (the CLI's notes, the dashboard's titles).
COST_NOTES = {
    ("chain", Coverage.NOT_SYNCED): "on-chain costs unknown: no chain sync has run (lnpilot sync)",
    ("chain", Coverage.NOT_MEASURED): "on-chain costs not measured: the backend (LNbits) gives no "
    "on-chain wallet history",
    ("payments", Coverage.NOT_SYNCED): "payment fees unknown: no payment sync has run (lnpilot sync)",
    ("payments", Coverage.NOT_MEASURED): "payment fees not measured: the backend (LNbits) gives no "
    "payment history; rebalance costs are those lnpilot logged",
}


def cost_note(source: str, coverage: Coverage) -> str | None:
    """Why ``source``'s costs ("chain", "payments") have no figure; None when they are measured."""
    return COST_NOTES.get((source, coverage))


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
        chain = await uow.sync_state.coverage("chain")
        payments_mark = await uow.sync_state.get("payments")
        payments_coverage = await uow.sync_state.coverage("payments")
        payments = await uow.payments.payments() if payments_mark else []
        invoices = await uow.payments.invoices() if payments_mark else []
        measured = await uow.sync_state.forwards_measured()
        fee_sums = None if measured else await uow.sync_state.node_fee_sums()
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
    return Books(
        since,
        until,
        tuple(in_window),
        pnl,
        chain,
        payments_coverage,
        measured,
        fee_sums,
    )
