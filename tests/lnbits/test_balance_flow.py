"""The per-channel flow estimate from balance snapshots (pure): what it sums, skips and cannot see."""

from __future__ import annotations

import dataclasses

from lnpilot.domain.balance_flow import FLOW_SOURCE_ESTIMATE, FLOW_SOURCE_FORWARDS
from lnpilot.domain.channel_view import ChannelSnapshot
from lnpilot.domain.graph import RoutingPolicy
from lnpilot.domain.node import LocalChannel
from lnpilot.store.records import TransactionItem, TransactionRecord, TxStatus
from lnpilot.views import ChannelInput, ViewInputs, build_views
from lnpilot.views.balance_flow import OwnMove, balance_flow, estimate_flow, own_moves_from_transactions

CHAN = 800_000 << 40 | 1 << 16


def snap(at: int, local: int, capacity: int = 1_000_000) -> ChannelSnapshot:
    return ChannelSnapshot(at, local, capacity - local, True, capacity)


def test_net_flow_between_syncs_out_and_in_summed_per_interval() -> None:
    snaps = [snap(100, 500_000), snap(200, 450_000), snap(300, 470_000), snap(400, 400_000)]
    est = estimate_flow(snaps, 0, 1_000)
    assert est.known and est.source == FLOW_SOURCE_ESTIMATE
    assert (est.out_sat, est.in_sat, est.net_out_sat) == (120_000, 20_000, 100_000)
    assert (est.first_at, est.last_at, est.intervals, est.covered_s) == (100, 400, 3, 300)
    # The net is exactly the balance difference between the first and the last snapshot.
    assert est.net_out_sat == snaps[0].local_balance_sat - snaps[-1].local_balance_sat
    # Order of the input does not matter.
    assert estimate_flow(list(reversed(snaps)), 0, 1_000) == est


def test_a_window_uses_only_the_snapshots_inside_it() -> None:
    snaps = [snap(100, 500_000), snap(200, 450_000), snap(300, 470_000), snap(400, 400_000)]
    est = estimate_flow(snaps, 150, 350)
    assert (est.out_sat, est.in_sat, est.first_at, est.last_at, est.intervals) == (0, 20_000, 200, 300, 1)


def test_fewer_than_two_snapshots_in_the_window_is_absent_and_says_why() -> None:
    for snaps, since, until in (
        ([], 0, 10),
        ([snap(100, 1)], 0, 1_000),
        ([snap(1, 5), snap(500, 9)], 2, 400),
    ):
        est = estimate_flow(snaps, since, until)
        assert not est.known and est.out_sat is None and est.in_sat is None and est.net_out_sat is None
        assert est.why_absent and "two are needed" in est.why_absent
        assert "absent" in est.reason() and "forwards not measured on this backend" in est.reason()
        assert est.as_dict()["net_out_sat"] is None and est.as_dict()["why_absent"] == est.why_absent


def test_a_forward_in_and_out_within_one_interval_nets_out() -> None:
    # 30k arrived and 30k left between the two syncs: the balances cannot tell.
    est = estimate_flow([snap(100, 500_000), snap(200, 500_000)], 0, 300)
    assert (est.out_sat, est.in_sat) == (0, 0)
    assert "nets out" in est.reason()


def test_our_own_rebalances_are_taken_out_of_their_interval() -> None:
    snaps = [snap(100, 200_000), snap(200, 300_000), snap(300, 280_000)]
    # We rebalanced 100k into the channel at 150: the +100k is ours, not inbound forwards.
    moves = [OwnMove(CHAN, 150, 100_000)]
    est = estimate_flow(snaps, 0, 400, moves)
    assert (est.out_sat, est.in_sat, est.own_excluded_sat) == (20_000, 0, 100_000)
    assert "100000 sat of our own rebalances taken out" in est.reason()
    # A move outside every interval changes nothing.
    assert estimate_flow(snaps, 0, 400, [OwnMove(CHAN, 50, 100_000)]).in_sat == 100_000


def test_an_interval_across_a_capacity_change_is_skipped() -> None:
    snaps = [snap(100, 500_000), snap(200, 400_000), snap(300, 900_000, capacity=2_000_000)]
    est = estimate_flow(snaps, 0, 400)
    assert (est.out_sat, est.in_sat, est.intervals, est.skipped_intervals) == (100_000, 0, 1, 1)
    only = estimate_flow(snaps, 150, 400)
    assert not only.known and only.why_absent and "capacity changed" in only.why_absent
    assert balance_flow(snaps).steps[1].unusable.startswith("capacity changed")


def test_same_time_snapshots_are_one_observation() -> None:
    flow = balance_flow([snap(100, 5), snap(100, 5), snap(200, 3)])
    assert len(flow.steps) == 1 and flow.snapshot_times == (100, 200)


def _item(chan_id: int, kind: str, status: str, **result: object) -> TransactionItem:
    requested = {"kind": kind, "source_chan_id": "7", "amount_sat": 1}
    return TransactionItem(chan_id, "p:0", requested, None, {"status": status, **result})


def test_own_moves_from_the_transaction_log() -> None:
    record = TransactionRecord(
        1,
        500,
        "live",
        TxStatus.APPLIED,
        (
            _item(9, "rebalance", "applied", moved_sat=50_000, fee_msat=1_500),
            _item(9, "rebalance", "failed", moved_sat=0, fee_msat=0),
            _item(9, "rebalance", "applied"),  # unreadable: left in the estimate
            TransactionItem(9, "p:0", {"fee_rate_ppm": 10}, None, {"status": "applied"}),
        ),
    )
    moves = own_moves_from_transactions([record])
    assert moves == {9: [OwnMove(9, 500, 50_000)], 7: [OwnMove(7, 500, -50_002)]}


def test_the_builder_attaches_the_estimate_only_without_measured_forwards() -> None:
    local = LocalChannel(CHAN, "aa:0", "02" + "ab" * 32, 1_000_000, 400_000, 600_000, True)
    item = ChannelInput(
        local, RoutingPolicy(1000, 100, 80, 1000, 990_000_000), (snap(100, 500_000), snap(200, 400_000))
    )
    measured = build_views(ViewInputs(now=300, channels=[item]))
    assert measured.flow_source == FLOW_SOURCE_FORWARDS
    assert measured.views[0].balance_flow is None and measured.views[0].flow_source == FLOW_SOURCE_FORWARDS
    estimated = build_views(
        ViewInputs(
            now=300,
            channels=[item],
            forwards_measured=False,
            own_moves={CHAN: [OwnMove(CHAN, 150, -10_000)]},
        )
    )
    (view,) = estimated.views
    assert estimated.flow_source == view.flow_source == FLOW_SOURCE_ESTIMATE
    assert view.forwards == ()  # never filled from the estimate
    assert view.balance_flow is not None
    est = view.balance_flow.window(0, 300)
    assert (est.out_sat, est.own_excluded_sat) == (90_000, 10_000)
    assert dataclasses.replace(view, balance_flow=None).flow_source == FLOW_SOURCE_FORWARDS
