"""Rebalance and close economics with hand-computed numbers, and batch ordering."""

from __future__ import annotations

import dataclasses

import pytest

from lnpilot.decisions import BUILTIN, DecisionEngine, DecisionType
from lnpilot.decisions.close import node_median_rate
from lnpilot.decisions.signals import measure
from lnpilot.domain.channel_view import ChannelView, PolicyChange
from lnpilot.domain.scores import CompositeScore
from lnpilot.errors import InvalidInputError
from lnpilot.settings import ChannelOverride, Limits
from tests.decisions.view_builders import NOW, chan_id_of, forward_out, policy, view

TARGET, SOURCE = chan_id_of(1), chan_id_of(2)


def engine(profile: str = "balanced", **kw: object) -> DecisionEngine:
    return DecisionEngine(BUILTIN[profile], Limits(), **kw)  # type: ignore[arg-type]


def rebalance_state(earned_per_forward_msat: int = 100_000) -> list[ChannelView]:
    # Target: 1M sat, 100k local, 1000 ppm, sent 6 x 100k sat in 30 d; in cooldown so the fee stays.
    sent = [forward_out(TARGET, day, 100_000, earned_per_forward_msat) for day in (1, 5, 10, 15, 20, 25)]
    cooldown = PolicyChange(NOW - 600, policy(900), policy(1000))
    target = view(
        1,
        local_sat=100_000,
        fee_rate_ppm=1000,
        competitor_fee_ppm=1000.0,
        forwards=sent,
        policy_changes=[cooldown],
    )
    source = view(2, local_sat=950_000, fee_rate_ppm=100, competitor_fee_ppm=100.0)
    return [target, source]


def test_rebalance_when_expected_earnings_beat_its_cost() -> None:
    # want (0.5 - 0.1) x 1M = 400k; source spare 940k - 500k = 440k; budget 0.25 x 600,000 msat.
    # max fee min(150,000, 400M msat x 900 ppm) = 150,000; volume 600M x 14/30 = 280M msat:
    # earnings 280,000, forgone 28,000 -> gain 102,000 msat.
    decisions = {d.chan_id: d for d in engine().decide_batch(rebalance_state(), None, NOW)}
    d = decisions[TARGET]
    assert d.type is DecisionType.REBALANCE
    assert d.rebalance is not None
    assert (d.rebalance.amount_sat, d.rebalance.source_chan_id) == (400_000, SOURCE)
    assert (d.rebalance.max_fee_msat, d.rebalance.budget_msat) == (150_000, 150_000)
    assert d.rebalance.expected_earnings_msat == 280_000
    assert d.expected_gain_msat == 102_000


def test_profiles_differ_in_willingness_to_rebalance() -> None:
    # conservative: ratio 0.1 is not below its 0.1 trigger. aggressive: budget 300,000, 30 d horizon,
    # offer half the 900 ppm margin: 400M msat x 450 ppm = 180,000;
    # earnings 400,000 - forgone 40,000 - fee 180,000 = 180,000.
    cons = {d.chan_id: d for d in engine("conservative").decide_batch(rebalance_state(), None, NOW)}
    assert cons[TARGET].type is not DecisionType.REBALANCE
    aggr = {d.chan_id: d for d in engine("aggressive").decide_batch(rebalance_state(), None, NOW)}
    params = aggr[TARGET].rebalance
    assert params is not None
    assert params.max_fee_msat == 180_000
    assert aggr[TARGET].expected_gain_msat == 180_000


def test_rebalance_refused_when_it_does_not_pay() -> None:
    # Realised 200 ppm against the source's 100: half the margin is 50 ppm, below the market's
    # replacement cost (70 ppm toward us + one 70 ppm hop): a refill at market would not pay.
    decisions = {d.chan_id: d for d in engine().decide_batch(rebalance_state(20_000), None, NOW)}
    d = decisions[TARGET]
    assert d.type is not DecisionType.REBALANCE
    assert any("replacement cost 140 ppm" in r and "above the 50 ppm half" in r for r in d.reasons)
    # One 100k-sat forward in 30 d at 1000 ppm, a source earning 800 ppm, a cheap market (2 x 10 ppm):
    # offer min(budget 25,000, 400M x 100 ppm) = 25,000; volume 100M x 14/30 = 46.7M msat earns 46,666
    # and forgoes 37,333 on the source: 46,666 - 37,333 - 25,000 < 0.
    target, _ = rebalance_state()
    one = dataclasses.replace(target, forwards=target.forwards[:1], network_median_fee_ppm=10.0)
    dear_source = view(2, local_sat=950_000, fee_rate_ppm=800, competitor_fee_ppm=800.0)
    d2 = {x.chan_id: x for x in engine().decide_batch([one, dear_source], None, NOW)}[TARGET]
    assert d2.type is not DecisionType.REBALANCE
    assert any("does not pay" in r for r in d2.reasons)


def test_rebalance_counts_what_the_channel_really_earned() -> None:
    # 1,000 msat per 100k sat is 10 ppm realised, below the source's 100 ppm, whatever our fee says.
    decisions = {d.chan_id: d for d in engine().decide_batch(rebalance_state(1_000), None, NOW)}
    assert any("earning 10 ppm here" in r for r in decisions[TARGET].reasons)


def test_rebalance_needs_a_source_budget_and_margin() -> None:
    target, source = rebalance_state()
    alone = engine().decide(target, None, NOW)
    assert any("no channel with spare local liquidity" in r for r in alone.reasons)
    cheap_target = view(1, local_sat=100_000, fee_rate_ppm=50, forwards=target.forwards)
    d = {x.chan_id: x for x in engine().decide_batch([cheap_target, source], None, NOW)}[TARGET]
    assert any("moving liquidity loses money" in r for r in d.reasons)
    idle = view(1, local_sat=100_000, fee_rate_ppm=1000, failed_for_liquidity=0)
    d2 = {x.chan_id: x for x in engine().decide_batch([idle, source], None, NOW)}[TARGET]
    assert any("no demand seen" in r for r in d2.reasons)
    earned_nothing = view(1, local_sat=100_000, failed_for_liquidity=3)
    d3 = {x.chan_id: x for x in engine().decide_batch([earned_nothing, source], None, NOW)}[TARGET]
    assert any("no rebalance budget" in r for r in d3.reasons)


def test_pinned_channel_is_no_rebalance_source() -> None:
    overrides = {str(SOURCE): ChannelOverride(pin=True)}
    decisions = {d.chan_id: d for d in engine(overrides=overrides).decide_batch(rebalance_state(), None, NOW)}
    assert decisions[TARGET].type is not DecisionType.REBALANCE


def test_sources_are_shared_between_drained_channels() -> None:
    target, source = rebalance_state()
    twin = view(
        3,
        local_sat=100_000,
        fee_rate_ppm=1000,
        competitor_fee_ppm=1000.0,
        forwards=[forward_out(chan_id_of(3), day, 100_000, 100_000) for day in (1, 5, 10, 15, 20, 25)],
        policy_changes=target.policy_changes,
    )
    decisions = engine().decide_batch([target, twin, source], None, NOW)
    moved = sum(d.rebalance.amount_sat for d in decisions if d.rebalance is not None)
    assert moved <= 440_000  # the source's spare, never promised twice


def close_state(earned_msat: int = 0, reach_lost: int | None = 0) -> list[ChannelView]:
    # Three peers earning 9,000,000 msat per 90 d on 1M sat (0.1 msat/sat/day), spread over both halves.
    others = [
        view(
            i, fee_rate_ppm=100, forwards=[forward_out(chan_id_of(i), d, 10_000, 4_500_000) for d in (10, 60)]
        )
        for i in (2, 3, 4)
    ]
    lazy_forwards = (
        [forward_out(chan_id_of(1), d, 1_000, earned_msat // 2) for d in (10, 60)] if earned_msat else []
    )
    lazy = view(1, fee_rate_ppm=100, forwards=lazy_forwards, reach_lost_nodes=reach_lost)
    return [lazy, *others]


def test_close_when_capital_earns_less_than_elsewhere_net_of_reopening() -> None:
    # median rate 0.1 -> opportunity 0.1 x 1M x 90 = 9,000,000 msat; shortfall 9,000,000 > 1.5 x 5,000,000.
    decisions = {d.chan_id: d for d in engine().decide_batch(close_state(), None, NOW)}
    d = decisions[chan_id_of(1)]
    assert d.type is DecisionType.CLOSE_CHANNEL
    assert d.close is not None
    assert d.close.opportunity_cost_msat == 9_000_000
    assert d.close.reopen_cost_msat == 5_000_000
    assert d.expected_gain_msat == 4_000_000


def test_no_close_when_shortfall_is_within_the_margin() -> None:
    # earned 2,000,000: shortfall 7,000,000 <= 7,500,000; aggressive (margin 1.0, 60 d window) does close.
    decisions = {d.chan_id: d for d in engine().decide_batch(close_state(2_000_000), None, NOW)}
    assert decisions[chan_id_of(1)].type is not DecisionType.CLOSE_CHANNEL
    assert any(": keep" in r for r in decisions[chan_id_of(1)].reasons)
    conservative = {d.chan_id: d for d in engine("conservative").decide_batch(close_state(), None, NOW)}
    assert conservative[chan_id_of(1)].type is not DecisionType.CLOSE_CHANNEL


def test_close_vetoed_by_reach_and_score() -> None:
    lost = {d.chan_id: d for d in engine().decide_batch(close_state(reach_lost=4), None, NOW)}
    assert lost[chan_id_of(1)].type is not DecisionType.CLOSE_CHANNEL
    good = CompositeScore(str(chan_id_of(1)), 55.0, 1.0, "balanced", {})
    scored = {d.chan_id: d for d in engine().decide_batch(close_state(), {chan_id_of(1): good}, NOW)}
    assert scored[chan_id_of(1)].type is not DecisionType.CLOSE_CHANNEL
    assert any("score 55 above 30" in r for r in scored[chan_id_of(1)].reasons)


def test_close_needs_history_and_a_median() -> None:
    young = view(1, fee_rate_ppm=100, history_days=20)
    assert node_median_rate([(young, measure(young, BUILTIN["balanced"]))], 90) is None
    views = close_state()
    views[0] = view(1, fee_rate_ppm=100, history_days=20)
    d = {x.chan_id: x for x in engine().decide_batch(views, None, NOW)}[chan_id_of(1)]
    assert any("shorter than the 90 d close window" in r for r in d.reasons)


def test_batch_is_ordered_by_expected_gain() -> None:
    decisions = engine().decide_batch([*close_state(), view(5, local_sat=950_000)], None, NOW)
    gains = [d.expected_gain_msat for d in decisions]
    assert gains == sorted(gains, reverse=True)
    assert decisions[0].type is DecisionType.CLOSE_CHANNEL


def test_three_profiles_decide_differently_on_the_same_state() -> None:
    state = [*close_state(), view(5, local_sat=450_000), view(6, local_sat=900_000)]
    outcomes = {
        name: tuple(
            (d.chan_id, d.type, d.new_policy.fee_rate_ppm if d.new_policy else None)
            for d in sorted(engine(name).decide_batch(state, None, NOW), key=lambda d: d.chan_id)
        )
        for name in ("conservative", "balanced", "aggressive")
    }
    assert len(set(outcomes.values())) == 3


def test_duplicate_channels_in_a_batch_are_refused() -> None:
    with pytest.raises(InvalidInputError, match="appears twice"):
        engine().decide_batch([view(1), view(1)], None, NOW)


def test_a_channel_about_to_close_is_no_rebalance_source() -> None:
    target, _ = rebalance_state()
    closing_source = view(2, local_sat=950_000, fee_rate_ppm=100, competitor_fee_ppm=100.0)
    earners = [
        view(
            i, fee_rate_ppm=100, forwards=[forward_out(chan_id_of(i), d, 10_000, 4_500_000) for d in (10, 60)]
        )
        for i in (3, 4, 5, 6, 7)
    ]
    decisions = {d.chan_id: d for d in engine().decide_batch([target, closing_source, *earners], None, NOW)}
    assert decisions[SOURCE].type is DecisionType.CLOSE_CHANNEL
    assert decisions[TARGET].type is not DecisionType.REBALANCE
