"""Profit and loss per channel, per peer and for the node, computed from ledger events."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from lnpilot.accounting.ledger import Category, LedgerEvent

YEAR_S = 365 * 86_400


@dataclass(frozen=True, slots=True)
class PnlLine:
    """One row of the P&L. Costs are positive numbers; ``net`` = revenue - costs."""

    key: str  # "node", a chan_id, or a peer pubkey
    revenue_msat: int
    rebalance_cost_msat: int
    onchain_cost_msat: int
    forwards: int
    capacity_sat: int  # capacity the row's channels had in the window (0 for unattributed costs)
    payment_fee_msat: int = 0  # routing fees of payments we sent to other nodes (a cost)
    received_msat: int = 0  # paid to us on invoices (not routing profit: outside net)
    sent_msat: int = 0  # paid by us to other nodes, fees excluded (outside net)

    @property
    def net_msat(self) -> int:
        return self.revenue_msat - self.rebalance_cost_msat - self.onchain_cost_msat - self.payment_fee_msat

    def return_on_capacity(self, window_s: int) -> float | None:
        """Annualised net / capacity; None when there is no capacity or no window to judge."""
        if self.capacity_sat <= 0 or window_s <= 0:
            return None
        return (self.net_msat / 1000) / self.capacity_sat * (YEAR_S / window_s)


@dataclass(frozen=True, slots=True)
class Pnl:
    since: int
    until: int
    node: PnlLine
    channels: tuple[PnlLine, ...]
    peers: tuple[PnlLine, ...]

    @property
    def window_s(self) -> int:
        return self.until - self.since


class _Acc:
    __slots__ = ("forwards", "onchain", "payment_fee", "rebalance", "received", "revenue", "sent")

    def __init__(self) -> None:
        self.revenue = self.rebalance = self.onchain = self.forwards = 0
        self.payment_fee = self.received = self.sent = 0

    def add(self, e: LedgerEvent) -> None:
        if e.category is Category.FORWARD_FEE:
            self.revenue += e.amount_msat
            self.forwards += 1
        elif e.category is Category.REBALANCE_FEE:
            self.rebalance += -e.amount_msat
        elif e.category is Category.ONCHAIN_FEE:
            self.onchain += -e.amount_msat
        elif e.category is Category.PAYMENT_FEE:
            self.payment_fee += -e.amount_msat
        elif e.category is Category.INVOICE:
            self.received += e.amount_msat
        elif e.category is Category.PAYMENT:
            self.sent += -e.amount_msat

    def line(self, key: str, capacity_sat: int) -> PnlLine:
        return PnlLine(
            key,
            self.revenue,
            self.rebalance,
            self.onchain,
            self.forwards,
            capacity_sat,
            self.payment_fee,
            self.received,
            self.sent,
        )


def compute(
    events: Iterable[LedgerEvent],
    *,
    since: int,
    until: int,
    capacity_sat: Mapping[int, int],
    peer_of: Mapping[int, str],
) -> Pnl:
    """The P&L of ``[since, until)``. ``capacity_sat``: the channels that were open in the window."""
    node = _Acc()
    by_chan: dict[int, _Acc] = defaultdict(_Acc)
    by_peer: dict[str, _Acc] = defaultdict(_Acc)
    for e in events:
        if not since <= e.at_s < until:
            continue
        node.add(e)
        if e.chan_id is not None:
            by_chan[e.chan_id].add(e)
            peer = peer_of.get(e.chan_id)
            if peer:
                by_peer[peer].add(e)
    for chan_id in capacity_sat:
        by_chan[chan_id]  # every channel open in the window gets a row, even an idle one
        if peer_of.get(chan_id):
            by_peer[peer_of[chan_id]]
    peer_capacity: dict[str, int] = defaultdict(int)
    for chan_id, cap in capacity_sat.items():
        if peer_of.get(chan_id):
            peer_capacity[peer_of[chan_id]] += cap
    channels = tuple(
        sorted(
            (acc.line(str(c), capacity_sat.get(c, 0)) for c, acc in by_chan.items()),
            key=lambda line: (-line.net_msat, line.key),
        )
    )
    peers = tuple(
        sorted(
            (acc.line(p, peer_capacity.get(p, 0)) for p, acc in by_peer.items()),
            key=lambda line: (-line.net_msat, line.key),
        )
    )
    return Pnl(since, until, node.line("node", sum(capacity_sat.values())), channels, peers)
