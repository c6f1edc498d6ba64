"""The references' rules, row by row, against their documented tables."""

from __future__ import annotations

import math
import random

import pytest

from lnpilot.arena.refs.base import competitor_median
from lnpilot.arena.refs.clboss import (
    CARD_LIFETIME_S,
    BalanceBins,
    PriceGame,
    balance_multiplier,
    num_bins,
    price_multiplier,
)
from lnpilot.arena.refs.lndg import AutoFeesConfig, PeerFlows, new_rate, outbound_adjustment
from lnpilot.arena.refs.simple import proportional_ppm
from lnpilot.domain.graph import Graph, GraphChannel, GraphNode, RoutingPolicy


def test_charge_lnd_proportional_is_linear_in_the_balance() -> None:
    assert proportional_ppm(1000, 0, 10, 200) == 10  # all ours: the minimum
    assert proportional_ppm(0, 1000, 10, 200) == 200  # all theirs: the maximum
    assert proportional_ppm(500, 500, 100, 300) == 200
    assert proportional_ppm(250, 750, 0, 400) == 300


def _flows(out_percent: float, *, inn: int = 0, out: int = 0, cap: int = 1_000_000, **kw: int) -> PeerFlows:
    return PeerFlows(
        out_percent=out_percent,
        routed_in_1d_sat=kw.get("in1d", 0),
        routed_in_7d_sat=inn,
        routed_out_7d_sat=out,
        revenue_7d_msat=kw.get("rev", 0),
        revenue_assist_7d_msat=kw.get("assist", 0),
        capacity_sat=cap,
        failed_out_1d=kw.get("failed", 0),
    )


@pytest.mark.parametrize(
    ("flows", "expected"),
    [
        (_flows(50), -15),  # no flow in 7 days, balanced: -3 x 5
        (_flows(50, out=3_000_000), 2 * 5 * (1 + 3.0)),  # drained 3x capacity: +2m(1+net)
        (_flows(50, out=500_000), 0),  # some flow, net below 1
        (_flows(97), -25),  # full of our liquidity, no flow: -5m
        (_flows(97, inn=10, out=5, rev=1, assist=100), -25),  # assists far more than earns
        (_flows(97, inn=10, out=5, rev=50, assist=100), 0),
        (_flows(10, failed=30), 25),  # low liquidity, failures, nothing came in today: +5m
        (_flows(10, failed=30, in1d=5), 0),
        (_flows(10), 0),
    ],
)
def test_lndg_rule_table(flows: PeerFlows, expected: float) -> None:
    assert outbound_adjustment(flows, AutoFeesConfig()) == pytest.approx(expected)


def test_lndg_rounds_to_the_increment_and_clips() -> None:
    cfg = AutoFeesConfig()
    assert new_rate(1, -15, cfg) == 0
    assert new_rate(100, 12, cfg) == 110
    assert new_rate(2490, 40, cfg) == 2500


def test_clboss_balance_multiplier_spans_seven_to_one_seventh() -> None:
    assert balance_multiplier(0, 50) == pytest.approx(math.exp(math.log(50) * (0.5 - 0.01)))
    assert balance_multiplier(49, 50) == pytest.approx(math.exp(math.log(50) * (0.5 - 0.99)))
    assert balance_multiplier(1, 4) > 1 > balance_multiplier(2, 4)
    assert num_bins(100_000) == 4 and num_bins(5_000_000) == 25 and num_bins(50_000_000) == 50


def test_clboss_bins_move_only_when_the_balance_leaves_the_bin() -> None:
    rng = random.Random(1)
    bins = BalanceBins.start(500_000, 1_000_000)  # 5 bins, middle one
    assert (bins.bins, bins.current) == (5, 2)
    bins.update(550_000, 1_000_000, rng)
    assert bins.current == 2
    bins.update(100_000, 1_000_000, rng)
    assert bins.current in (0, 1)


def test_clboss_price_game_plays_five_cards_then_recentres_on_the_best() -> None:
    rng = random.Random(3)
    game = PriceGame()
    now = 0
    seen = []
    for _ in range(5):
        price = game.price(now, 0, rng)
        seen.append(price)
        # the card in play earns: reward price +1 most
        now += CARD_LIFETIME_S
        game.card_earned_msat += 1000 if price == 1 else 10
    assert sorted(seen) == [-2, -1, 0, 1, 2]
    game.price(now, 0, rng)
    assert game.center == 1
    assert sorted([game.card, *game.deck]) == [-1, 0, 1, 2, 3]  # type: ignore[list-item]
    assert price_multiplier(2) == pytest.approx(1.44) and price_multiplier(-1) == pytest.approx(0.8)


def _pol(base: int, ppm: int) -> RoutingPolicy:
    return RoutingPolicy(
        base_fee_msat=base, fee_rate_ppm=ppm, time_lock_delta=40, min_htlc_msat=1, max_htlc_msat=0
    )


def test_competitor_median_is_capacity_weighted_over_incoming_directions() -> None:
    peer, us = "02" + "aa" * 32, "02" + "bb" * 32
    others = ["03" + f"{i:02x}" * 32 for i in range(3)]
    channels = (
        GraphChannel(1, peer, others[0], 1_000_000, _pol(0, 9999), _pol(1000, 100)),
        GraphChannel(2, others[1], peer, 5_000_000, _pol(0, 300), _pol(0, 1)),
        GraphChannel(3, others[2], peer, 1_000_000, _pol(2000, 50), None),
        GraphChannel(4, peer, us, 9_000_000, _pol(0, 1), _pol(0, 5000)),  # ours: excluded
    )
    nodes = {k: GraphNode(pub_key=k) for k in (peer, us, *others)}
    assert competitor_median(Graph(nodes=nodes, channels=channels), peer, us) == (0, 300)
    assert competitor_median(Graph(nodes=nodes, channels=()), peer, us) is None
