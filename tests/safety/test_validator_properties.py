"""Properties: nothing that passes validation lies outside a configured bound, whoever proposed it."""

from __future__ import annotations

import dataclasses
import itertools
import json
import math

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from lnpilot.decisions import BUILTIN, DecisionEngine
from lnpilot.decisions.types import CloseParams, Decision, DecisionType, RebalanceParams
from lnpilot.domain.channel_view import ChannelView, PolicyChange
from lnpilot.domain.graph import RoutingPolicy
from lnpilot.safety import PolicyValidator, ValidationHistory
from lnpilot.safety.review import decide_and_validate
from lnpilot.safety.validator import node_daily_cap
from lnpilot.settings import Blacklist, ChannelOverride, Limits
from tests.decisions.view_builders import DAY, NOW, PEER, chan_id_of, forward_in, forward_out, policy, view
from tests.safety.bounds_oracle import outside_bounds

OTHER_PEER = "03" + "cd" * 32
FAST = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def limits_st(draw: st.DrawFn) -> Limits:
    fee_min = draw(st.integers(0, 200))
    base_min = draw(st.integers(0, 2000))
    lock_min = draw(st.integers(1, 100))
    return Limits(
        fee_rate_min_ppm=fee_min,
        fee_rate_max_ppm=draw(st.integers(fee_min, 5000)),
        base_fee_min_msat=base_min,
        base_fee_max_msat=draw(st.integers(base_min, 20_000)),
        max_fee_change_pct=draw(st.sampled_from([10.0, 25.0, 50.0, 100.0])),
        fee_change_floor_ppm=draw(st.integers(0, 20)),
        time_lock_min=lock_min,
        time_lock_max=draw(st.integers(lock_min, 500)),
        inbound_fee_rate_min_ppm=draw(st.integers(-2000, 0)),
        allow_positive_inbound_fees=draw(st.booleans()),
        cooldown_minutes=draw(st.sampled_from([0.0, 30.0, 60.0])),
        max_changes_per_channel_per_day=draw(st.integers(0, 4)),
        max_changes_per_node_per_day=draw(st.integers(0, 6)),
        max_changes_per_node_per_day_per_channel=draw(st.sampled_from([0.0, 0.5, 1.0, 2.0, 10.0])),
        rebalance_max_capacity_fraction=draw(st.sampled_from([0.1, 0.5, 1.0])),
        rebalance_max_cost_ppm=draw(st.integers(0, 3000)),
        rebalance_min_amount_sat=draw(st.integers(0, 50_000)),
        allow_close=draw(st.booleans()),
    )


@st.composite
def view_st(draw: st.DrawFn, index: int) -> ChannelView:
    capacity = draw(st.integers(20_000, 5_000_000))
    local = draw(st.integers(0, capacity))
    cid = chan_id_of(index)
    forwards = [
        forward_out(cid, days, min(amount, capacity), fee)
        if out
        else forward_in(cid, days, min(amount, capacity))
        for out, days, amount, fee in draw(
            st.lists(
                st.tuples(
                    st.booleans(), st.floats(0.01, 120), st.integers(1, 500_000), st.integers(0, 500_000)
                ),
                max_size=6,
            )
        )
    ]
    current = RoutingPolicy(
        base_fee_msat=draw(st.integers(0, 30_000)),
        fee_rate_ppm=draw(st.integers(0, 12_000)),
        time_lock_delta=draw(st.integers(1, 3000)),
        min_htlc_msat=draw(st.integers(0, 2_000_000)),
        max_htlc_msat=draw(st.integers(1, capacity * 1000)),
        inbound_fee_rate_ppm=draw(st.integers(-3000, 300)),
        inbound_base_fee_msat=draw(st.integers(-3000, 300)),
    )
    changes = [
        PolicyChange(NOW - ago, policy(draw(st.integers(0, 3000))), current)
        for ago in draw(st.lists(st.integers(60, 3 * DAY), max_size=2))
    ]
    return view(
        index,
        capacity_sat=capacity,
        local_sat=local,
        current_policy=current,
        competitor_fee_ppm=draw(st.none() | st.floats(0, 8000)),
        network_median_fee_ppm=draw(st.none() | st.floats(0, 3000)),
        failed_for_liquidity=draw(st.none() | st.integers(0, 30)),
        history_days=draw(st.none() | st.floats(0, 400)),
        forwards=forwards,
        policy_changes=changes,
        peer=draw(st.sampled_from([PEER, OTHER_PEER])),
        reach_lost_nodes=draw(st.none() | st.integers(0, 3)),
    )


@st.composite
def operator_st(draw: st.DrawFn) -> tuple[dict[str, ChannelOverride], Blacklist]:
    overrides = {}
    for index in draw(st.lists(st.integers(1, 3), max_size=2, unique=True)):
        low = draw(st.none() | st.integers(0, 3000))
        high = draw(st.none() | st.integers(low or 0, 6000))
        overrides[str(chan_id_of(index))] = ChannelOverride(
            pin=draw(st.integers(0, 3)) == 3,
            exclude=draw(st.integers(0, 3)) == 3,
            fee_rate_min_ppm=low,
            fee_rate_max_ppm=high,
        )
    blacklist = Blacklist(
        channels=(f"{BLOCK_X}x{draw(st.integers(1, 3))}x0",) if draw(st.integers(0, 3)) == 3 else (),
        peers=(OTHER_PEER,) if draw(st.integers(0, 3)) == 3 else (),
    )
    return overrides, blacklist


BLOCK_X = chan_id_of(1) >> 40


@st.composite
def history_st(draw: st.DrawFn) -> ValidationHistory:
    events = draw(st.lists(st.tuples(st.integers(1, 4), st.integers(0, 2 * DAY)), max_size=8) | st.just([]))
    return ValidationHistory.from_events([(chan_id_of(i), NOW - ago) for i, ago in events])


def _either(valid: st.SearchStrategy[int], wild: st.SearchStrategy[int]) -> st.SearchStrategy[int]:
    """Mostly values inside the limits (so approvals happen), sometimes anything."""
    return st.one_of(*([valid] * 7), wild)


def _range(low: float, high: float) -> st.SearchStrategy[int]:
    low_i, high_i = int(low), int(high)
    return st.integers(low_i, high_i) if low_i <= high_i else st.integers(high_i, low_i)


@st.composite
def decision_st(
    draw: st.DrawFn, state: ChannelView, limits: Limits | None = None, fees_only: bool = False
) -> Decision:
    lim = limits or Limits()
    kinds = [DecisionType.INCREASE_FEES, DecisionType.REBALANCE, DecisionType.CLOSE_CHANNEL]
    kind = draw(st.sampled_from(kinds[:1] if fees_only else kinds))
    cid = state.channel.chan_id
    old = state.policy or policy()
    capacity = state.channel.capacity_sat
    new = None
    rebalance = None
    close = None
    if kind in (DecisionType.INCREASE_FEES, DecisionType.DECREASE_FEES):
        step = max(old.fee_rate_ppm * lim.max_fee_change_pct / 100, lim.fee_change_floor_ppm)
        fee_low = max(lim.fee_rate_min_ppm, old.fee_rate_ppm - step)
        fee_high = min(lim.fee_rate_max_ppm, old.fee_rate_ppm + step)
        min_htlc = draw(_either(_range(0, 1000), st.integers(-1, 10_000)))
        base_step = max(old.base_fee_msat * lim.max_fee_change_pct / 100, lim.base_fee_change_floor_msat)
        base_low = max(lim.base_fee_min_msat, old.base_fee_msat - base_step)
        base_high = min(lim.base_fee_max_msat, old.base_fee_msat + base_step)
        new = dataclasses.replace(
            old,
            fee_rate_ppm=draw(
                _either(_range(fee_low, fee_high), st.integers(0, max(3 * old.fee_rate_ppm, 100)))
            ),
            base_fee_msat=draw(_either(_range(base_low, base_high), st.integers(0, 30_000))),
            time_lock_delta=draw(_either(_range(lim.time_lock_min, lim.time_lock_max), st.integers(1, 600))),
            min_htlc_msat=min_htlc,
            max_htlc_msat=draw(
                _either(_range(max(min_htlc, 1), capacity * 1000), st.integers(0, capacity * 1100))
            ),
            inbound_fee_rate_ppm=draw(
                _either(_range(lim.inbound_fee_rate_min_ppm, 0), st.integers(-3000, 50))
            ),
            inbound_base_fee_msat=draw(_either(_range(-100, 0), st.integers(-100, 50))),
            disabled=draw(st.booleans()) and draw(st.booleans()),
        )
        up = new.fee_rate_ppm > old.fee_rate_ppm
        if draw(st.integers(0, 9)) == 9:
            up = not up  # sometimes the type lies about the direction
        kind = DecisionType.INCREASE_FEES if up else DecisionType.DECREASE_FEES
    elif kind is DecisionType.REBALANCE:
        amount_high = lim.rebalance_max_capacity_fraction * capacity
        amount = draw(_either(_range(lim.rebalance_min_amount_sat, amount_high), st.integers(0, 2_000_000)))
        max_fee = draw(
            _either(_range(0, amount * lim.rebalance_max_cost_ppm / 1000), st.integers(0, 200_000))
        )
        rebalance = RebalanceParams(
            amount_sat=amount,
            source_chan_id=chan_id_of(draw(st.integers(1, 4))),
            target_chan_id=cid,
            max_fee_msat=max_fee,
            budget_msat=draw(_either(_range(max_fee, max_fee * 2), st.integers(0, 200_000))),
            expected_earnings_msat=0,
            horizon_days=14,
        )
    elif kind is DecisionType.CLOSE_CHANNEL:
        close = CloseParams("test", 90, 0, 0.0, 0.1, 1, 1)
    return Decision(
        kind, cid, state.channel.channel_point, 0.9, ("generated",), 0, "test", new, old, rebalance, close
    )


@FAST
@given(data=st.data(), limits=limits_st(), operator=operator_st(), history=history_st())
def test_nothing_outside_the_bounds_passes(
    data: st.DataObject,
    limits: Limits,
    operator: tuple[dict[str, ChannelOverride], Blacklist],
    history: ValidationHistory,
) -> None:
    overrides, blacklist = operator
    views = {chan_id_of(i): data.draw(view_st(i)) for i in (1, 2, 3)}
    state = views[chan_id_of(1)]
    decision = data.draw(decision_st(state, limits))
    verdict = PolicyValidator(limits, blacklist, overrides).validate(decision, state, history, NOW, views)
    event(f"{decision.type.value} approved={verdict.approved}")
    if verdict.approved:
        assert outside_bounds(decision, state, limits, overrides, blacklist, history, NOW, views) == []


@FAST
@given(data=st.data(), limits=limits_st(), operator=operator_st(), history=history_st())
def test_engine_decisions_that_pass_stay_inside_and_fee_values_always_do(
    data: st.DataObject,
    limits: Limits,
    operator: tuple[dict[str, ChannelOverride], Blacklist],
    history: ValidationHistory,
) -> None:
    overrides, blacklist = operator
    profile = BUILTIN[data.draw(st.sampled_from(sorted(BUILTIN)))]
    states = [data.draw(view_st(i)) for i in (1, 2, 3)]
    views = {v.channel.chan_id: v for v in states}
    engine = DecisionEngine(profile, limits, overrides, blacklist)
    validator = PolicyValidator(limits, blacklist, overrides)
    value_codes = {
        "fee_rate_below_min",
        "fee_rate_above_max",
        "fee_rate_below_channel_min",
        "fee_rate_above_channel_max",
        "base_fee_below_min",
        "base_fee_above_max",
        "time_lock_below_min",
        "time_lock_above_max",
        "min_htlc_negative",
        "max_htlc_below_min_htlc",
        "max_htlc_above_capacity",
        "inbound_fee_positive",
        "inbound_fee_rate_below_min",
        "inbound_base_fee_below_min",
        "fee_rate_change_too_large",
        "base_fee_change_too_large",
        "direction_mismatch",
        "policy_disables_channel",
        "channel_pinned",
        "channel_excluded",
        "channel_blacklisted",
        "peer_blacklisted",
    }
    for decision in engine.decide_batch(states, None, NOW):
        state = views[decision.chan_id]
        verdict = validator.validate(decision, state, history, NOW, views)
        # The engine never proposes a policy value outside the limits, nor touches a protected channel.
        assert value_codes.isdisjoint(verdict.codes) or decision.type is DecisionType.REBALANCE, verdict.codes
        event(f"{decision.type.value} approved={verdict.approved}")
        if verdict.approved:
            assert outside_bounds(decision, state, limits, overrides, blacklist, history, NOW, views) == []


@FAST
@given(data=st.data(), limits=limits_st())
def test_fee_verdict_agrees_with_the_bounds_both_ways(data: st.DataObject, limits: Limits) -> None:
    """Without history or operator rules, a fee change passes exactly when it is inside every bound."""
    state = dataclasses.replace(data.draw(view_st(1)), policy_changes=())
    decision = data.draw(decision_st(state, limits, fees_only=True))
    verdict = PolicyValidator(limits).validate(decision, state, ValidationHistory(), NOW)
    broken = outside_bounds(decision, state, limits, {}, Blacklist(), ValidationHistory(), NOW, {})
    event(f"approved={verdict.approved}")
    assert verdict.approved == (
        broken == []
        and limits.max_changes_per_channel_per_day > 0
        and limits.max_changes_per_node_per_day > 0
        and limits.max_changes_per_node_per_day_per_channel > 0
    ), (verdict.codes, broken)


@settings(max_examples=300, deadline=None)
@given(data=st.data(), history=history_st())
def test_with_max_fee_300_nothing_above_it_passes(data: st.DataObject, history: ValidationHistory) -> None:
    limits = Limits(fee_rate_max_ppm=300)
    states = [data.draw(view_st(i)) for i in (1, 2, 3)]
    views = {v.channel.chan_id: v for v in states}
    validator = PolicyValidator(limits)
    for name in sorted(BUILTIN):
        for decision in DecisionEngine(BUILTIN[name], limits).decide_batch(states, None, NOW):
            verdict = validator.validate(decision, views[decision.chan_id], history, NOW, views)
            if verdict.approved and decision.new_policy is not None:
                assert decision.new_policy.fee_rate_ppm <= 300


@settings(max_examples=300, deadline=None)
@given(data=st.data(), history=history_st(), pinned=st.booleans())
def test_pinned_and_blacklisted_channels_never_change(
    data: st.DataObject, history: ValidationHistory, pinned: bool
) -> None:
    state = data.draw(view_st(1))
    if pinned:
        overrides, blacklist = {"800000x1x0": ChannelOverride(pin=True)}, Blacklist()
    else:
        overrides, blacklist = {}, Blacklist(peers=(state.channel.remote_pubkey,))
    limits = Limits(allow_close=True, max_changes_per_node_per_day=100, max_changes_per_channel_per_day=100)
    engine = DecisionEngine(
        BUILTIN[data.draw(st.sampled_from(sorted(BUILTIN)))], limits, overrides, blacklist
    )
    assert engine.decide(state, None, NOW).type is DecisionType.NO_ACTION
    views = {state.channel.chan_id: state, chan_id_of(2): data.draw(view_st(2))}
    decision = data.draw(decision_st(state))
    verdict = PolicyValidator(limits, blacklist, overrides).validate(decision, state, history, NOW, views)
    assert not verdict.approved or decision.type is DecisionType.NO_ACTION


@settings(max_examples=300, deadline=None)
@given(
    attempts=st.lists(st.tuples(st.integers(1, 4), st.integers(1, 4 * 3600)), min_size=1, max_size=40),
    limits=limits_st(),
)
def test_limits_hold_across_restarts(attempts: list[tuple[int, int]], limits: Limits) -> None:
    """A daemon that restarts between every attempt (history saved and reloaded) allows exactly
    what one that never restarts allows, and neither exceeds the per-day limits."""
    validator = PolicyValidator(limits)
    at = NOW
    in_memory = ValidationHistory()
    stored = json.dumps(ValidationHistory().to_dict())
    approved: list[tuple[int, int]] = []
    for index, gap in attempts:
        at += gap
        state = view(index, fee_rate_ppm=100, history_days=10, now=at)
        decision = Decision(
            DecisionType.INCREASE_FEES,
            state.channel.chan_id,
            "",
            0.9,
            (),
            0,
            "test",
            new_policy=dataclasses.replace(state.policy or policy(), fee_rate_ppm=110),
        )
        reloaded = ValidationHistory.from_dict(json.loads(stored))
        first = validator.validate(decision, state, in_memory, at)
        second = validator.validate(decision, state, reloaded, at)
        assert first.codes == second.codes
        if first.approved:
            in_memory = in_memory.record(state.channel.chan_id, at)
            stored = json.dumps(reloaded.record(state.channel.chan_id, at).pruned(at).to_dict())
            approved.append((state.channel.chan_id, at))
    for chan_id, t in approved:
        window = [(c, s) for c, s in approved if t - 86_400 < s <= t]
        assert len(window) <= limits.max_changes_per_node_per_day
        assert len(window) <= math.ceil(limits.max_changes_per_node_per_day_per_channel)
        assert sum(1 for c, _ in window if c == chan_id) <= limits.max_changes_per_channel_per_day
        same = sorted(s for c, s in approved if c == chan_id)
        assert all(b - a >= limits.cooldown_minutes * 60 for a, b in itertools.pairwise(same))


@settings(max_examples=60, deadline=None)
@given(
    data=st.data(),
    limits=limits_st(),
    channels=st.integers(1, 6),
    profile=st.sampled_from(sorted(BUILTIN)),
)
def test_engine_cycles_never_exceed_the_proportional_node_cap(
    data: st.DataObject, limits: Limits, channels: int, profile: str
) -> None:
    """Cycles of the real engine every 6 h for two days, changes applied as approved: no 24 h
    window holds more node changes than the proportional cap or more per channel than the
    channel cap, and every approved fee is inside the bounds."""
    validator = PolicyValidator(limits)
    engine = DecisionEngine(BUILTIN[profile], limits)
    states = {i: data.draw(view_st(i)) for i in range(1, channels + 1)}
    history = ValidationHistory()
    approved: list[tuple[int, int]] = []
    cap = node_daily_cap(limits, channels)
    for cycle in range(8):
        at = NOW + cycle * 6 * 3600
        views = [dataclasses.replace(v, now=at) for v in states.values()]
        reviews, history = decide_and_validate(views, None, history, engine, validator, at)
        for review in reviews:
            new = review.decision.new_policy
            if not review.verdict.approved or new is None:
                continue
            assert limits.fee_rate_min_ppm <= new.fee_rate_ppm <= limits.fee_rate_max_ppm
            index = next(i for i, v in states.items() if v.channel.chan_id == review.decision.chan_id)
            old = states[index]
            change = PolicyChange(at, old.policy, new, "lnpilot")
            states[index] = dataclasses.replace(old, policy=new, policy_changes=(*old.policy_changes, change))
            approved.append((review.decision.chan_id, at))
    for chan_id, t in approved:
        window = [(c, s) for c, s in approved if t - 86_400 < s <= t]
        assert len(window) <= cap
        assert sum(1 for c, _ in window if c == chan_id) <= limits.max_changes_per_channel_per_day
