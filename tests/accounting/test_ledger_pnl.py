"""The ledger's events and the P&L computed from them, by hand."""

from __future__ import annotations

import csv
import io
import json

from lnpilot.accounting import ledger
from lnpilot.accounting.ledger import Category, LedgerEvent
from lnpilot.accounting.pnl import YEAR_S, compute
from lnpilot.accounting.sources import (
    ChannelFacts,
    PaidRebalance,
    chain_events,
    forward_events,
    rebalance_events,
)
from lnpilot.domain.node import ChainTransaction, ForwardingEvent

_NS = 1_000_000_000
PEER_A, PEER_B = "02" + "a" * 64, "03" + "b" * 64


def _events() -> list[LedgerEvent]:
    peers = {1: PEER_A, 2: PEER_B, 3: PEER_A}
    forwards = [
        ForwardingEvent(100 * _NS, 2, 1, 1_001_000, 1_000_000, 1_000),
        ForwardingEvent(200 * _NS, 1, 2, 2_000_500, 2_000_000, 500),
        ForwardingEvent(5_000 * _NS, 1, 2, 2_000_500, 2_000_000, 500),  # outside the window below
    ]
    paid = [PaidRebalance(tx_id=7, item_id=9, at_s=300, chan_id=1, fee_msat=250, moved_sat=10_000)]
    channels = [
        ChannelFacts(1, "f1" * 32 + ":0", PEER_A, 1_000_000),
        ChannelFacts(3, "f3" * 32 + ":1", PEER_A, 500_000, closing_tx_hash="c3" * 32),
    ]
    txs = [
        ChainTransaction("f1" * 32, -1_000_400, 400, 1, 50, "open"),
        ChainTransaction("c3" * 32, 499_000, 0, 2, 400, ""),
        ChainTransaction("d0" * 32, -10_150, 150, 3, 450, "sendcoins"),
    ]
    return forward_events(forwards, peers) + rebalance_events(paid, peers) + chain_events(txs, channels)


def test_pnl_per_node_channel_and_peer() -> None:
    events = _events()
    pnl = compute(
        events,
        since=0,
        until=1_000,
        capacity_sat={1: 1_000_000, 2: 2_000_000},
        peer_of={1: PEER_A, 2: PEER_B},
    )
    assert pnl.node.revenue_msat == 1_500
    assert pnl.node.rebalance_cost_msat == 250
    assert pnl.node.onchain_cost_msat == 400_000 + 150_000
    assert pnl.node.net_msat == 1_500 - 250 - 550_000
    assert pnl.node.forwards == 2
    by_chan = {line.key: line for line in pnl.channels}
    assert by_chan["1"].revenue_msat == 1_000 and by_chan["1"].onchain_cost_msat == 400_000
    assert by_chan["2"].revenue_msat == 500 and by_chan["2"].rebalance_cost_msat == 0
    by_peer = {line.key: line for line in pnl.peers}
    assert by_peer[PEER_A].capacity_sat == 1_000_000
    assert by_peer[PEER_B].net_msat == 500
    roc = by_chan["2"].return_on_capacity(pnl.window_s)
    assert roc is not None and abs(roc - 0.5 / 2_000_000 * YEAR_S / 1_000) < 1e-12


def test_idle_channel_gets_a_row_and_no_capacity_means_no_return() -> None:
    pnl = compute([], since=0, until=100, capacity_sat={5: 100}, peer_of={})
    assert [line.key for line in pnl.channels] == ["5"]
    assert pnl.channels[0].net_msat == 0
    assert compute([], since=0, until=100, capacity_sat={}, peer_of={}).node.return_on_capacity(100) is None
    assert pnl.node.return_on_capacity(0) is None


def test_ledger_profit_total_equals_pnl_net_and_transfers_do_not_count() -> None:
    events = [e for e in _events() if e.at_s < 1_000]
    totals = ledger.totals_by_category(events)
    pnl = compute(events, since=0, until=1_000, capacity_sat={}, peer_of={})
    assert totals["profit"] == pnl.node.net_msat
    assert totals[Category.CHANNEL_OPEN.value] == -1_000_000_000  # wallet paid 1,000,400 incl. fee
    assert totals[Category.CHANNEL_CLOSE.value] == 499_000_000


def test_ids_are_stable_and_unique() -> None:
    first, second = _events(), _events()
    assert [e.id for e in first] == [e.id for e in second]
    assert len({e.id for e in first}) == len(first)


def test_csv_json_and_bos_layouts() -> None:
    events = ledger.sort_events(_events())
    rows = list(csv.DictReader(io.StringIO(ledger.to_csv(events))))
    assert tuple(rows[0]) == ledger.COLUMNS
    assert [int(r["amount_msat"]) for r in rows] == [e.amount_msat for e in events]
    assert rows[0]["time"] == "1970-01-01T00:00:50Z"
    doc = json.loads(ledger.to_json(events, ledger.totals_by_category(events)))
    assert doc["totals_msat"]["profit"] == sum(e.amount_msat for e in events if e.affects_profit)
    bos = list(csv.reader(io.StringIO(ledger.to_bos_csv(events))))
    assert tuple(bos[0]) == ledger.BOS_COLUMNS
    fees = [r for r in bos[1:] if r[7] == "fee:network"]
    assert sum(float(r[3]) for r in fees) == (400_000 + 150_000 + 250) / 1000
