"""The fee rule around the loop: bounds, complete policy, operator rules, confidence (balanced unless
stated; anchor 100 ppm, 1M sat channels). The loop itself: test_fee_loop.py."""

from __future__ import annotations

import math
from typing import Any

import pytest

from lnpilot.decisions import BUILTIN, DecisionEngine, DecisionType
from lnpilot.domain.channel_view import PolicyChange
from lnpilot.domain.scores import CompositeScore
from lnpilot.settings import Blacklist, ChannelOverride, Limits
from tests.decisions.view_builders import NOW, PEER, chan_id_of, policy, view


def engine(profile: str = "balanced", **kw: Any) -> DecisionEngine:
    return DecisionEngine(BUILTIN[profile], Limits(), **kw)


def test_prior_falls_back_to_network_median_then_current_fee() -> None:
    d = engine().decide(view(competitor_fee_ppm=None), None, NOW)
    assert any("network median" in r for r in d.reasons)
    none = engine().decide(view(competitor_fee_ppm=None, network_median_fee_ppm=None), None, NOW)
    assert any("missing data: no competitor or network fee" in r for r in none.reasons)


def test_failed_forwards_and_scarce_liquidity_raise_the_prior() -> None:
    # 10 failures saturate balanced: x1.25; local ratio 0.05: 10 ** 0.45 = x2.82.
    failed = engine().decide(view(local_sat=500_000, failed_for_liquidity=10), None, NOW)
    assert any(r.startswith("prior 125 ppm") for r in failed.reasons)
    drained = engine().decide(view(local_sat=50_000), None, NOW)
    assert any(r.startswith("prior 282 ppm") for r in drained.reasons)


def test_override_bounds_clamp_the_target_and_bring_the_fee_inside() -> None:
    overrides = {str(chan_id_of(1)): ChannelOverride(fee_rate_max_ppm=80)}
    d = engine(overrides=overrides).decide(view(local_sat=50_000), None, NOW)
    assert d.type is DecisionType.DECREASE_FEES
    assert d.new_policy is not None and d.new_policy.fee_rate_ppm == 80
    assert any("correction: current fee 100 ppm outside bounds" in r for r in d.reasons)


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
    # balanced approaches the 282 ppm prior: 100 -> 150: -int(0.25 * 150 * (0.3 - 0.05) / 0.3) = -31;
    # conservative gives none.
    d = engine().decide(view(local_sat=50_000), None, NOW)
    assert d.new_policy is not None and d.new_policy.inbound_fee_rate_ppm == -31
    # Never above the replacement cost (2 x 10 ppm network median here): a rebalance is cheaper.
    cheap = engine().decide(view(local_sat=50_000, network_median_fee_ppm=10.0), None, NOW)
    assert cheap.new_policy is not None and cheap.new_policy.inbound_fee_rate_ppm == -20
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


def test_confidence_follows_coverage_not_the_score() -> None:
    e = engine()
    full = e.decide(view(local_sat=50_000), None, NOW)
    thin = e.decide(view(local_sat=50_000, failed_for_liquidity=None), None, NOW)
    assert full.type is thin.type is DecisionType.INCREASE_FEES
    # coverage 0.9 (no peer metrics); 0.8 without the failure count.
    assert math.isclose(full.confidence, 0.9)
    assert math.isclose(thin.confidence, 0.8)
    # A composite score of 0 or 100 changes neither the decision nor its confidence or reasons.
    low = CompositeScore(str(chan_id_of(1)), 0.0, 1.0, "balanced", {})
    high = CompositeScore(str(chan_id_of(1)), 100.0, 1.0, "balanced", {})
    with_low, with_high = (
        e.decide(view(local_sat=50_000), low, NOW),
        e.decide(view(local_sat=50_000), high, NOW),
    )
    assert with_low == with_high == full


def test_low_confidence_is_why_nothing_happened() -> None:
    state = view(local_sat=50_000, competitor_fee_ppm=None, failed_for_liquidity=None, history_days=None)
    d = engine().decide(state, None, NOW)  # coverage 0.05: network median only
    assert d.type is DecisionType.NO_ACTION
    assert any(r.startswith("low confidence: increase_fees") for r in d.reasons)
    assert any("missing: " in r for r in d.reasons)
