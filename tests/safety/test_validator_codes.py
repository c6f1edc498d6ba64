"""Every violation code, each triggered on purpose, and all of them reported at once."""

from __future__ import annotations

import dataclasses

import pytest

from lnpilot.decisions.types import CloseParams, Decision, DecisionType, RebalanceParams
from lnpilot.domain.channel_view import ChannelView, PolicyChange
from lnpilot.domain.graph import RoutingPolicy
from lnpilot.safety import CODES, PolicyValidator, ValidationHistory, Violation
from lnpilot.settings import Blacklist, ChannelOverride, Limits
from tests.decisions.view_builders import DAY, NOW, PEER, chan_id_of, forward_out, policy, view

EMPTY = ValidationHistory()


def fee_decision(
    new: RoutingPolicy | None, kind: DecisionType = DecisionType.INCREASE_FEES, index: int = 1
) -> Decision:
    return Decision(kind, chan_id_of(index), f"{index:064x}:0", 0.9, ("test",), 0, "balanced", new_policy=new)


def codes(
    decision: Decision, state: ChannelView, history: ValidationHistory = EMPTY, **kw: object
) -> set[str]:
    validator = PolicyValidator(
        kw.pop("limits", Limits()),  # type: ignore[arg-type]
        kw.pop("blacklist", None),  # type: ignore[arg-type]
        kw.pop("overrides", None),  # type: ignore[arg-type]
    )
    views = kw.pop("views", None)
    verdict = validator.validate(decision, state, history, NOW, views)  # type: ignore[arg-type]
    return set(verdict.codes)


def good_policy(**changes: int) -> RoutingPolicy:
    return dataclasses.replace(policy(120, max_htlc_msat=500_000_000), **changes)  # type: ignore[arg-type]


def test_a_good_fee_change_passes() -> None:
    assert codes(fee_decision(good_policy()), view()) == set()


def test_no_action_always_passes() -> None:
    nothing = Decision(DecisionType.NO_ACTION, chan_id_of(1), "", 1.0, ("pinned",), 0, "balanced")
    overrides = {str(chan_id_of(1)): ChannelOverride(pin=True)}
    assert codes(nothing, view(), overrides=overrides) == set()


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"fee_rate_ppm": 0}, {"fee_rate_below_min", "direction_mismatch", "fee_rate_change_too_large"}),
        ({"fee_rate_ppm": 20_000}, {"fee_rate_above_max", "fee_rate_change_too_large"}),
        ({"fee_rate_ppm": 151}, {"fee_rate_change_too_large"}),
        ({"base_fee_msat": 20_000}, {"base_fee_above_max", "base_fee_change_too_large"}),
        ({"base_fee_msat": 2_001}, {"base_fee_change_too_large"}),
        ({"time_lock_delta": 10}, {"time_lock_below_min"}),
        ({"time_lock_delta": 3000}, {"time_lock_above_max"}),
        ({"min_htlc_msat": -1}, {"min_htlc_negative"}),
        ({"min_htlc_msat": 600_000_000}, {"max_htlc_below_min_htlc"}),
        ({"max_htlc_msat": 0, "min_htlc_msat": 0}, {"max_htlc_below_min_htlc"}),
        ({"max_htlc_msat": 1_000_000_001}, {"max_htlc_above_capacity"}),
        ({"inbound_fee_rate_ppm": 5}, {"inbound_fee_positive"}),
        ({"inbound_base_fee_msat": 5}, {"inbound_fee_positive"}),
        ({"inbound_fee_rate_ppm": -10_001}, {"inbound_fee_rate_below_min"}),
        ({"inbound_base_fee_msat": -10_001}, {"inbound_base_fee_below_min"}),
        ({"disabled": True}, {"policy_disables_channel"}),
    ],
)
def test_policy_bounds(changes: dict[str, int], expected: set[str]) -> None:
    assert codes(fee_decision(good_policy(**changes)), view()) == expected


def test_base_fee_min_and_direction() -> None:
    limits = Limits(base_fee_min_msat=1500)
    assert codes(fee_decision(good_policy()), view(), limits=limits) == {"base_fee_below_min"}
    decrease = fee_decision(good_policy(), DecisionType.DECREASE_FEES)
    assert codes(decrease, view()) == {"direction_mismatch"}


def test_positive_inbound_fee_when_allowed_is_still_capped() -> None:
    limits = Limits(allow_positive_inbound_fees=True)
    assert codes(fee_decision(good_policy(inbound_fee_rate_ppm=50)), view(), limits=limits) == set()
    too_much = fee_decision(good_policy(inbound_fee_rate_ppm=50_000))
    assert codes(too_much, view(), limits=limits) == {"inbound_fee_positive"}


def test_channel_override_bounds() -> None:
    overrides = {str(chan_id_of(1)): ChannelOverride(fee_rate_min_ppm=130, fee_rate_max_ppm=140)}
    assert codes(fee_decision(good_policy()), view(), overrides=overrides) == {"fee_rate_below_channel_min"}
    high = fee_decision(good_policy(fee_rate_ppm=145))
    assert codes(high, view(), overrides=overrides) == {"fee_rate_above_channel_max"}


def test_moving_back_inside_the_bounds_is_not_a_too_large_step() -> None:
    state = view(fee_rate_ppm=50_000)
    back = fee_decision(good_policy(fee_rate_ppm=10_000), DecisionType.DECREASE_FEES)
    assert codes(back, state) == set()
    halfway = fee_decision(good_policy(fee_rate_ppm=25_000), DecisionType.DECREASE_FEES)
    assert codes(halfway, state) == {"fee_rate_above_max"}


def test_missing_policy_and_unknown_current_policy() -> None:
    assert codes(fee_decision(None), view()) == {"missing_policy"}
    assert codes(fee_decision(good_policy()), view(fee_rate_ppm=None)) == {"current_policy_unknown"}


def test_operator_rules_refuse_every_change() -> None:
    decision = fee_decision(good_policy())
    overrides = {"800000x1x0": ChannelOverride(pin=True, exclude=True)}
    assert codes(decision, view(), overrides=overrides) == {"channel_pinned", "channel_excluded"}
    assert codes(decision, view(), blacklist=Blacklist(peers=(PEER,))) == {"peer_blacklisted"}
    by_point = Blacklist(channels=(f"{1:064x}:0",))
    assert codes(decision, view(), blacklist=by_point) == {"channel_blacklisted"}
    assert codes(decision, view(2)) == {"view_mismatch"}


def test_rate_limits() -> None:
    decision = fee_decision(good_policy())
    cid = chan_id_of(1)
    recent = ValidationHistory.from_events([(cid, NOW - 10 * 60)])
    assert codes(decision, view(), recent) == {"cooldown_active"}
    external = view(policy_changes=[PolicyChange(NOW - 5 * 60, None, policy(100), "external")])
    assert codes(decision, external) == {"cooldown_active"}
    roomy = Limits(max_changes_per_node_per_day=5, max_changes_per_node_per_day_per_channel=5.0)
    three = ValidationHistory.from_events([(cid, NOW - h * 3600) for h in (2, 5, 9)])
    assert codes(decision, view(), three, limits=roomy) == {"channel_daily_limit_reached"}
    node = ValidationHistory.from_events([(chan_id_of(i), NOW - i * 3600) for i in range(2, 7)])
    assert codes(decision, view(), node, limits=roomy) == {"node_daily_limit_reached"}
    # The default node cap is proportional: 2 changes per channel per day, so 5 changes are within
    # the cap of a 3-channel node and at the cap of a 2-channel one.
    three_views = {chan_id_of(i): view(i) for i in (1, 2, 3)}
    assert codes(decision, view(), node, views=three_views) == set()
    assert codes(decision, view(), node, views={k: three_views[k] for k in list(three_views)[:2]}) == {
        "node_daily_limit_reached"
    }
    old = ValidationHistory.from_events([(cid, NOW - DAY - h) for h in range(1, 10)])
    assert codes(decision, view(), old) == set()


def rebalance(
    amount_sat: int = 100_000, max_fee_msat: int = 10_000, budget_msat: int = 10_000, **kw: int
) -> Decision:
    params = RebalanceParams(
        amount_sat=amount_sat,
        source_chan_id=kw.get("source", chan_id_of(2)),
        target_chan_id=kw.get("target", chan_id_of(1)),
        max_fee_msat=max_fee_msat,
        budget_msat=budget_msat,
        expected_earnings_msat=50_000,
        horizon_days=14,
    )
    return Decision(
        DecisionType.REBALANCE, chan_id_of(1), "", 0.8, ("test",), 1, "balanced", rebalance=params
    )


def rebalance_views(target_local: int = 100_000, source_local: int = 900_000) -> dict[int, ChannelView]:
    earned = [forward_out(chan_id_of(1), 3, 100_000, 40_000)]  # budget up to 0.5 x 40,000
    target = view(1, local_sat=target_local, forwards=earned)
    source = view(2, local_sat=source_local)
    return {chan_id_of(1): target, chan_id_of(2): source}


def test_a_sound_rebalance_passes() -> None:
    views = rebalance_views()
    assert codes(rebalance(), views[chan_id_of(1)], views=views) == set()


@pytest.mark.parametrize(
    ("decision", "views", "expected"),
    [
        (rebalance(amount_sat=5_000, max_fee_msat=10), rebalance_views(), {"rebalance_amount_below_min"}),
        (
            rebalance(amount_sat=600_000, max_fee_msat=100_000, budget_msat=100_000),
            rebalance_views(),
            {"rebalance_amount_above_capacity_fraction", "rebalance_budget_above_earnings"},
        ),
        (
            rebalance(max_fee_msat=600_000, budget_msat=600_000),
            rebalance_views(),
            {"rebalance_cost_above_max", "rebalance_budget_above_earnings"},
        ),
        (rebalance(max_fee_msat=15_000), rebalance_views(), {"rebalance_fee_above_budget"}),
        (rebalance(budget_msat=30_000), rebalance_views(), {"rebalance_budget_above_earnings"}),
        (rebalance(), rebalance_views(target_local=600_000), {"rebalance_target_not_needed"}),
        (rebalance(), rebalance_views(source_local=50_000), {"rebalance_source_insufficient"}),
        (rebalance(source=chan_id_of(9)), rebalance_views(), {"rebalance_source_unknown"}),
        (
            rebalance(source=chan_id_of(1)),
            rebalance_views(),
            {"rebalance_same_channel", "rebalance_source_insufficient"},
        ),
        (
            rebalance(target=chan_id_of(2), source=chan_id_of(2)),
            rebalance_views(),
            {"rebalance_target_mismatch", "rebalance_same_channel"},
        ),
    ],
)
def test_rebalance_checks(decision: Decision, views: dict[int, ChannelView], expected: set[str]) -> None:
    target = views[chan_id_of(1)]
    found = codes(decision, target, views=views)
    assert found == expected


def test_rebalance_may_not_overfill_the_target() -> None:
    views = rebalance_views(target_local=400_000)
    limits = Limits(rebalance_max_capacity_fraction=1.0)
    found = codes(rebalance(amount_sat=600_000), views[chan_id_of(1)], views=views, limits=limits)
    assert found == {"rebalance_target_overfilled"}


def test_rebalance_source_protection_and_missing_params() -> None:
    views = rebalance_views()
    overrides = {str(chan_id_of(2)): ChannelOverride(pin=True)}
    assert codes(rebalance(), views[chan_id_of(1)], views=views, overrides=overrides) == {
        "rebalance_source_blacklisted"
    }
    bare = Decision(DecisionType.REBALANCE, chan_id_of(1), "", 0.8, (), 1, "balanced")
    assert codes(bare, views[chan_id_of(1)]) == {"missing_rebalance_params"}


def test_closes_are_refused_unless_allowed() -> None:
    params = CloseParams("idle", 90, 0, 0.0, 0.1, 9_000_000, 5_000_000)
    close = Decision(DecisionType.CLOSE_CHANNEL, chan_id_of(1), "", 0.8, (), 1, "balanced", close=params)
    assert codes(close, view()) == {"close_not_allowed"}
    assert codes(close, view(), limits=Limits(allow_close=True)) == set()
    bare = dataclasses.replace(close, close=None)
    assert codes(bare, view(), limits=Limits(allow_close=True)) == {"missing_close_params"}


def test_every_violation_is_reported_not_the_first() -> None:
    bad = good_policy(fee_rate_ppm=20_000, base_fee_msat=20_000, time_lock_delta=1, inbound_fee_rate_ppm=9)
    history = ValidationHistory.from_events([(chan_id_of(1), NOW - 60)] * 5)
    found = codes(fee_decision(bad), view(), history, blacklist=Blacklist(peers=(PEER,)))
    assert {
        "fee_rate_above_max",
        "base_fee_above_max",
        "time_lock_below_min",
        "inbound_fee_positive",
        "cooldown_active",
        "channel_daily_limit_reached",
        "node_daily_limit_reached",
        "peer_blacklisted",
    } <= found


def test_codes_are_a_closed_set() -> None:
    assert "fee_rate_above_max" in CODES
    with pytest.raises(ValueError, match="unknown violation code"):
        Violation("made_up", "nope")


def test_rebalance_limits_from_the_stored_history() -> None:
    """Issue 17 item 3: rebalance history was written and never read; now a per-channel cooldown,
    a daily count and daily/weekly spend caps hold (the spend counts this one at its worst case)."""
    views = rebalance_views()
    target = views[chan_id_of(1)]
    lim = Limits(
        rebalance_cooldown_hours=24,
        max_rebalances_per_day=2,
        rebalance_daily_spend_cap_sat=30,
        rebalance_weekly_spend_cap_sat=50,
    )

    def found(history: ValidationHistory) -> set[str]:
        return codes(rebalance(), target, history, views=views, limits=lim)

    assert found(ValidationHistory()) == set()
    recent = ValidationHistory.from_events([], [(chan_id_of(1), NOW - 3600, 1_000)])
    assert found(recent) == {"rebalance_cooldown_active"}
    two_others = ValidationHistory.from_events(
        [], [(chan_id_of(5), NOW - 3600, 1_000), (chan_id_of(6), NOW - 7200, 1_000)]
    )
    assert found(two_others) == {"rebalance_daily_count_reached"}
    spent_today = ValidationHistory.from_events([], [(chan_id_of(5), NOW - 3600, 25_000)])
    assert found(spent_today) == {"rebalance_daily_spend_cap_reached"}  # 25 + up to 10 > 30 sat
    spent_this_week = ValidationHistory.from_events(
        [], [(chan_id_of(5), NOW - 3 * DAY, 25_000), (chan_id_of(6), NOW - 5 * DAY, 20_000)]
    )
    assert found(spent_this_week) == {"rebalance_weekly_spend_cap_reached"}  # 45 + 10 > 50 sat
    assert ValidationHistory.from_dict(spent_this_week.to_dict()) == spent_this_week
