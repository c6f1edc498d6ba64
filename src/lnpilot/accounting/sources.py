"""Ledger events from what the store keeps: forwards, the transaction log, on-chain wallet txs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from lnpilot.accounting.ledger import Category, LedgerEvent
from lnpilot.domain.node import ChainTransaction, ForwardingEvent

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
            id=f"rebal:{r.tx_id}:{r.item_id}",
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
