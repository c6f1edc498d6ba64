"""The fee rule with hand-computed numbers (balanced unless stated; anchor 100 ppm, 1M sat channels)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from lnpilot.decisions import BUILTIN, DecisionEngine, DecisionType
from lnpilot.domain.channel_view import PolicyChange
from lnpilot.settings import Blacklist, ChannelOverride, Limits
from tests.decisions.view_builders import DAY, NOW, PEER, chan_id_of, forward_in, forward_out, policy, view


def engine(profile: str = "balanced", **kw: Any) -> DecisionEngine:
    return DecisionEngine(BUILTIN[profile], Limits(), **kw)


def test_drained_channel_is_priced_up_with_capped_step() -> None:
    # ratio 0.05: liquidity factor 10 ** 0.45 = 2.818 -> target 282; step 91 capped at 50 % of 100.
    d = engine().decide(view(local_sat=50_000), None, NOW)
    assert d.type is DecisionType.INCREASE_FEES
    assert d.new_policy is not None and d.new_policy.fee_rate_ppm == 150
    assert any("target 282 ppm" in r for r in d.reasons)
    assert any("step capped at 50 ppm" in r for r in d.reasons)


def test_idle_excess_is_priced_down() -> None:
    # ratio 0.9: 10 ** -0.4 = 0.398, idle x0.9 -> target 36; step trunc(-64 * 0.5) = -32 -> 68.
    d = engine().decide(view(local_sat=900_000), None, NOW)
    assert d.type is DecisionType.DECREASE_FEES
    assert d.new_policy is not None and d.new_policy.fee_rate_ppm == 68
    assert any(r.startswith("idle") for r in d.reasons)


def test_balanced_channel_at_competitor_fee_is_left_alone() -> None:
    d = engine().decide(view(local_sat=500_000), None, NOW)
    assert d.type is DecisionType.NO_ACTION
    assert any("hysteresis band" in r for r in d.reasons)


def test_hysteresis_band_differs_by_profile() -> None:
    # target 108 (8 % gap): inside balanced's 10 % band, outside aggressive's 5 %: +trunc(8 * 0.8) = 6.
    state = view(local_sat=500_000, competitor_fee_ppm=108.0)
    assert engine().decide(state, None, NOW).type is DecisionType.NO_ACTION
    d = engine("aggressive").decide(state, None, NOW)
    assert d.new_policy is not None and d.new_policy.fee_rate_ppm == 106


def test_reversal_needs_a_wider_gap() -> None:
    # The last move went up (80 -> 100); going down to target 88 (12 % gap) needs 2 x 10 %.
    change = PolicyChange(NOW - 2 * DAY, policy(80), policy(100))
    state = view(local_sat=500_000, competitor_fee_ppm=88.0, policy_changes=[change])
    d = engine().decide(state, None, NOW)
    assert d.type is DecisionType.NO_ACTION
    assert any("band widened to 20%" in r for r in d.reasons)
    # Without the previous raise the same gap moves the fee: trunc(-12 * 0.5) = -6.
    d2 = engine().decide(view(local_sat=500_000, competitor_fee_ppm=88.0), None, NOW)
    assert d2.new_policy is not None and d2.new_policy.fee_rate_ppm == 94


def test_minimum_delta_blocks_tiny_steps() -> None:
    # 10 -> target 12: 20 % gap passes the band but the step trunc(2 * 0.5) = 1 < 5 ppm.
    d = engine().decide(view(local_sat=500_000, fee_rate_ppm=10, competitor_fee_ppm=12.0), None, NOW)
    assert d.type is DecisionType.NO_ACTION
    assert any("minimum delta" in r for r in d.reasons)


def test_failed_forwards_push_the_fee_up() -> None:
    # 10 failures saturate balanced: x1.25 -> target 125; step trunc(25 * 0.5) = 12.
    d = engine().decide(view(local_sat=500_000, failed_for_liquidity=10), None, NOW)
    assert d.type is DecisionType.INCREASE_FEES
    assert d.new_policy is not None and d.new_policy.fee_rate_ppm == 112


def test_net_outflow_pushes_the_fee_up_and_inflow_down() -> None:
    cid = chan_id_of(1)
    # aggressive: 200k out of 1M in 3 d: x(1 + 0.5 * 0.2) = 1.1 -> 110; step trunc(10 * 0.8) = 8.
    out = view(local_sat=500_000, forwards=[forward_out(cid, 1, 200_000, 20_000)])
    d = engine("aggressive").decide(out, None, NOW)
    assert d.new_policy is not None and d.new_policy.fee_rate_ppm == 108
    # balanced sees only x1.05: inside its band.
    assert engine().decide(out, None, NOW).type is DecisionType.NO_ACTION
    inflow = view(local_sat=500_000, forwards=[forward_in(cid, 1, 200_000)])
    d_in = engine("aggressive").decide(inflow, None, NOW)
    assert d_in.new_policy is not None and d_in.new_policy.fee_rate_ppm == 92


def test_anchor_falls_back_to_network_median_then_current_fee() -> None:
    cid = chan_id_of(1)
    busy = [forward_out(cid, 1, 1_000, 100)]
    d = engine().decide(view(competitor_fee_ppm=None, forwards=busy), None, NOW)
    assert any("network median" in r for r in d.reasons)
    assert d.new_policy is not None and d.new_policy.fee_rate_ppm == 85  # 100 + trunc(-30 * 0.5)
    none = engine().decide(
        view(competitor_fee_ppm=None, network_median_fee_ppm=None, forwards=busy), None, NOW
    )
    assert none.type is DecisionType.NO_ACTION
    assert any("missing data: no competitor or network fee" in r for r in none.reasons)


def test_override_bounds_clamp_the_target_and_bring_the_fee_inside() -> None:
    overrides = {str(chan_id_of(1)): ChannelOverride(fee_rate_max_ppm=80)}
    d = engine(overrides=overrides).decide(view(local_sat=50_000), None, NOW)
    assert d.type is DecisionType.DECREASE_FEES
    assert d.new_policy is not None and d.new_policy.fee_rate_ppm == 80
    assert any("brought inside" in r for r in d.reasons)


def test_disjoint_override_bounds_are_reported() -> None:
    overrides = {"800000x1x0": ChannelOverride(fee_rate_min_ppm=20_000)}
    d = engine(overrides=overrides).decide(view(local_sat=50_000), None, NOW)
    assert d.type is DecisionType.NO_ACTION
    assert any(r.startswith("bound:") for r in d.reasons)


def test_cooldown_is_why_nothing_happened() -> None:
    change = PolicyChange(NOW - 30 * 60, policy(90), policy(100))
    d = engine().decide(view(local_sat=50_000, policy_changes=[change]), None, NOW)
    assert d.type is DecisionType.NO_ACTION
    assert any(r.startswith("cooldown: last policy change 30 min ago") for r in d.reasons)


def test_inbound_discount_where_our_side_is_scarce() -> None:
    # balanced: -int(0.25 * 150 * (0.3 - 0.05) / 0.3) = -31; conservative gives none.
    d = engine().decide(view(local_sat=50_000), None, NOW)
    assert d.new_policy is not None and d.new_policy.inbound_fee_rate_ppm == -31
    c = engine("conservative").decide(view(local_sat=50_000), None, NOW)
    assert c.new_policy is not None and c.new_policy.inbound_fee_rate_ppm == 0
    full = engine().decide(view(local_sat=900_000), None, NOW)
    assert full.new_policy is not None and full.new_policy.inbound_fee_rate_ppm == 0


def test_max_htlc_follows_local_balance_in_tenths_of_capacity() -> None:
    # usable 900k - 10k reserve = 890k -> 800k in 100k buckets; conservative keeps the current value.
    d = engine().decide(view(local_sat=900_000), None, NOW)
    assert d.new_policy is not None and d.new_policy.max_htlc_msat == 800_000_000
    drained = engine().decide(view(local_sat=50_000), None, NOW)
    assert drained.new_policy is not None and drained.new_policy.max_htlc_msat == 100_000_000
    c = engine("conservative").decide(view(local_sat=900_000), None, NOW)
    assert c.new_policy is not None and c.new_policy.max_htlc_msat == 990_000_000


def test_complete_policy_is_pulled_inside_the_limits() -> None:
    current = policy(100, base_fee_msat=50_000, time_lock_delta=5000, inbound_base_fee_msat=700)
    d = engine().decide(view(local_sat=50_000, current_policy=current), None, NOW)
    assert d.new_policy is not None
    assert d.new_policy.base_fee_msat == 10_000
    assert d.new_policy.time_lock_delta == 2016
    assert d.new_policy.inbound_base_fee_msat == 0


@pytest.mark.parametrize(
    ("kw", "needle"),
    [
        ({"overrides": {str(chan_id_of(1)): ChannelOverride(exclude=True)}}, "excluded"),
        ({"overrides": {str(chan_id_of(1)): ChannelOverride(pin=True)}}, "pinned"),
        ({"blacklist": Blacklist(peers=(PEER,))}, "peer is blacklisted"),
        ({"blacklist": Blacklist(channels=("800000x1x0",))}, "channel is blacklisted"),
    ],
)
def test_operator_rules_come_first(kw: dict[str, Any], needle: str) -> None:
    d = engine(**kw).decide(view(local_sat=50_000), None, NOW)
    assert d.type is DecisionType.NO_ACTION
    assert d.confidence == 1.0
    assert any(needle in r for r in d.reasons)


def test_missing_policy_and_inactive_channel() -> None:
    d = engine().decide(view(fee_rate_ppm=None), None, NOW)
    assert d.type is DecisionType.NO_ACTION and d.confidence == 0.0
    assert "missing data" in d.reasons[0]
    off = engine().decide(view(local_sat=50_000, active=False), None, NOW)
    assert off.type is DecisionType.NO_ACTION and "inactive" in off.reasons[0]


def test_confidence_follows_coverage_and_signal() -> None:
    e = engine()
    full = e.decide(view(local_sat=50_000), None, NOW)
    thin = e.decide(view(local_sat=50_000, failed_for_liquidity=None), None, NOW)
    mild = e.decide(view(local_sat=450_000), None, NOW)  # target 112: strength 0.12 / 0.2
    assert full.type is thin.type is mild.type is DecisionType.INCREASE_FEES
    # coverage 0.75 with a saturated signal; 0.65 without the failure count; weaker gap -> lower.
    assert math.isclose(full.confidence, 0.75)
    assert math.isclose(thin.confidence, 0.65)
    assert math.isclose(mild.confidence, 0.75 * (0.5 + 0.5 * 0.6))


def test_low_confidence_is_why_nothing_happened() -> None:
    state = view(local_sat=50_000, competitor_fee_ppm=None, failed_for_liquidity=None, history_days=None)
    d = engine().decide(state, None, NOW)  # coverage 0.05: network median only
    assert d.type is DecisionType.NO_ACTION
    assert any(r.startswith("low confidence: increase_fees") for r in d.reasons)
    assert any("missing: " in r for r in d.reasons)
