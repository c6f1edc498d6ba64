"""Ledger events from what the store keeps: forwards, the transaction log, on-chain wallet txs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from lnpilot.accounting.ledger import Category, LedgerEvent
from lnpilot.domain.node import ChainTransaction, ForwardingEvent
from lnpilot.domain.payments import NodeInvoice, NodePayment

_NS = 1_000_000_000


@dataclass(frozen=True, slots=True)
class PaidRebalance:
    """A rebalance that succeeded: its fee is a cost of the channel it refilled."""

    tx_id: int
    item_id: int
    at_s: int
    chan_id: int
    fee_msat: int
    moved_sat: int
    payment_hash: str = ""  # hex; "" for items logged before lnpilot recorded it

    @property
    def ledger_id(self) -> str:
        # By payment hash when known: the same id whether the row comes from the log or from
        # the node's payment list.
        return f"rebal:{self.payment_hash}" if self.payment_hash else f"rebal:{self.tx_id}:{self.item_id}"


@dataclass(frozen=True, slots=True)
class ChannelFacts:
    chan_id: int
    channel_point: str
    peer: str
    capacity_sat: int
    closing_tx_hash: str = ""

    @property
    def funding_txid(self) -> str:
        return self.channel_point.split(":", 1)[0]


def forward_events(forwards: Iterable[ForwardingEvent], peer_of: Mapping[int, str]) -> list[LedgerEvent]:
    # The fee is earned on the outgoing channel: that is where our policy charged it.
    return [
        LedgerEvent(
            id=f"fwd:{f.timestamp_ns}:{f.chan_id_in}:{f.chan_id_out}:{f.amt_in_msat}:{f.amt_out_msat}",
            at_s=f.timestamp_ns // _NS,
            amount_msat=f.fee_msat,
            category=Category.FORWARD_FEE,
            chan_id=f.chan_id_out,
            counterparty=peer_of.get(f.chan_id_out, ""),
            note=f"forward {f.amt_out_msat} msat from {f.chan_id_in}",
        )
        for f in forwards
    ]


def rebalance_events(paid: Iterable[PaidRebalance], peer_of: Mapping[int, str]) -> list[LedgerEvent]:
    return [
        LedgerEvent(
            id=r.ledger_id,
            at_s=r.at_s,
            amount_msat=-r.fee_msat,
            category=Category.REBALANCE_FEE,
            chan_id=r.chan_id,
            counterparty=peer_of.get(r.chan_id, ""),
            note=f"rebalance of {r.moved_sat} sat into {r.chan_id}",
        )
        for r in paid
    ]


def chain_events(txs: Iterable[ChainTransaction], channels: Iterable[ChannelFacts]) -> list[LedgerEvent]:
    """Miner fees (a cost of the channel the tx opened or closed, if any) and open/close transfers."""
    opened = {c.funding_txid: c for c in channels}
    closed = {c.closing_tx_hash: c for c in opened.values() if c.closing_tx_hash}
    events: list[LedgerEvent] = []
    for tx in txs:
        chan = opened.get(tx.tx_hash) or closed.get(tx.tx_hash)
        kind = "open" if tx.tx_hash in opened else "close" if tx.tx_hash in closed else "wallet"
        chan_id = chan.chan_id if chan else None
        if tx.total_fees_sat:
            events.append(
                LedgerEvent(
                    id=f"chainfee:{tx.tx_hash}",
                    at_s=tx.time_stamp_s,
                    amount_msat=-tx.total_fees_sat * 1000,
                    category=Category.ONCHAIN_FEE,
                    chan_id=chan_id,
                    counterparty=tx.tx_hash,
                    note=f"{kind} tx fee" + (f" ({tx.label})" if tx.label else ""),
                )
            )
        if chan is not None:
            # The wallet's amount includes the fee it paid; the transfer is the rest.
            moved_msat = (tx.amount_sat + tx.total_fees_sat) * 1000
            events.append(
                LedgerEvent(
                    id=f"{kind}:{tx.tx_hash}",
                    at_s=tx.time_stamp_s,
                    amount_msat=moved_msat,
                    category=Category.CHANNEL_OPEN if kind == "open" else Category.CHANNEL_CLOSE,
                    chan_id=chan_id,
                    counterparty=chan.peer,
                    note=f"channel {kind} {chan.channel_point}",
                )
            )
    return events


def _at(p: NodePayment) -> int:
    return p.settled_at_s or p.created_at_s


def payment_events(
    payments: Iterable[NodePayment],
    invoices: Iterable[NodeInvoice],
    logged: Iterable[PaidRebalance],
    peer_of: Mapping[int, str],
    *,
    payments_synced_at: int | None,
) -> list[LedgerEvent]:
    """Rebalances, payments to other nodes and invoices paid to us, each counted once.

    A circular rebalance is a payment to ourselves (LND lists it) and the settled invoice it paid
    (LND lists that too), and lnpilot's transaction log has it when lnpilot made it. It becomes
    one ``rebalance_fee`` row: from the node's payment list when payments were synced, else from
    the log; a logged rebalance is added only when the payment sync cannot have seen it (made
    at or after the last sync, and its hash not among the synced payments). Its invoice is no
    income. Without a payment sync (``payments_synced_at`` None) the log is the only source.
    """
    logged = list(logged)
    succeeded = [p for p in payments if p.succeeded]
    own_hashes = {p.payment_hash for p in succeeded if p.self_payment}
    own_hashes |= {r.payment_hash for r in logged if r.payment_hash}
    by_hash = {r.payment_hash: r for r in logged if r.payment_hash}
    events: list[LedgerEvent] = []
    for p in succeeded:
        if p.self_payment:
            chan = p.last_hop_chan_id
            made = by_hash.get(p.payment_hash)
            note = f"rebalance of {p.value_msat // 1000} sat into {chan}"
            events.append(
                LedgerEvent(
                    id=f"rebal:{p.payment_hash}",
                    at_s=made.at_s if made else _at(p),
                    amount_msat=-p.fee_msat,
                    category=Category.REBALANCE_FEE,
                    chan_id=chan,
                    counterparty=peer_of.get(chan, "") if chan is not None else "",
                    note=note + (f" (lnpilot tx {made.tx_id})" if made else " (not made by lnpilot)"),
                )
            )
            continue
        via = f" via channel {p.first_hop_chan_id}" if p.first_hop_chan_id is not None else ""
        events.append(
            LedgerEvent(
                id=f"pay:{p.payment_hash}",
                at_s=_at(p),
                amount_msat=-p.value_msat,
                category=Category.PAYMENT,
                counterparty=p.destination,
                note=f"payment to {p.destination or 'unknown'}{via}",
            )
        )
        if p.fee_msat:
            events.append(
                LedgerEvent(
                    id=f"payfee:{p.payment_hash}",
                    at_s=_at(p),
                    amount_msat=-p.fee_msat,
                    category=Category.PAYMENT_FEE,
                    counterparty=p.destination,
                    note=f"routing fee of payment {p.payment_hash[:16]}",
                )
            )
    synced = {p.payment_hash for p in succeeded}
    unseen = [
        r
        for r in logged
        if payments_synced_at is None or (r.at_s >= payments_synced_at and r.payment_hash not in synced)
    ]
    events += rebalance_events(unseen, peer_of)
    for i in invoices:
        if not i.settled or i.r_hash in own_hashes:
            continue
        events.append(
            LedgerEvent(
                id=f"inv:{i.r_hash}",
                at_s=i.settled_at_s,
                amount_msat=i.amt_paid_msat,
                category=Category.INVOICE,
                counterparty="",
                note="invoice paid" + (f": {i.memo}" if i.memo else ""),
            )
        )
    return events
