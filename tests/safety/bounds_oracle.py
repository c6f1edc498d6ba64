"""An independent restatement of the configured bounds, for the property tests to check against."""

from __future__ import annotations

import math

from lnpilot.decisions.operator import blacklist_reason, override_for
from lnpilot.decisions.types import Decision, DecisionType
from lnpilot.domain.channel_view import ChannelView
from lnpilot.safety import ValidationHistory
from lnpilot.settings import Blacklist, ChannelOverride, Limits


def outside_bounds(
    decision: Decision,
    state: ChannelView,
    limits: Limits,
    overrides: dict[str, ChannelOverride],
    blacklist: Blacklist,
    history: ValidationHistory,
    now: int,
    views: dict[int, ChannelView],
) -> list[str]:
    """Every way an approved ``decision`` would break a configured bound (empty: none)."""
    if decision.type is DecisionType.NO_ACTION:
        return []
    broken = []
    override = override_for(overrides, state.channel.chan_id)
    if override is not None and (override.pin or override.exclude):
        broken.append("touched a pinned or excluded channel")
    if blacklist_reason(blacklist, state.channel) is not None:
        broken.append("touched a blacklisted channel")
    if decision.type in (DecisionType.INCREASE_FEES, DecisionType.DECREASE_FEES):
        new, old = decision.new_policy, state.policy
        assert new is not None and old is not None
        low = max(limits.fee_rate_min_ppm, (override and override.fee_rate_min_ppm) or 0)
        high = limits.fee_rate_max_ppm
        if override is not None and override.fee_rate_max_ppm is not None:
            high = min(high, override.fee_rate_max_ppm)
        if not low <= new.fee_rate_ppm <= high:
            broken.append("fee rate")
        if not limits.base_fee_min_msat <= new.base_fee_msat <= limits.base_fee_max_msat:
            broken.append("base fee")
        if not limits.time_lock_min <= new.time_lock_delta <= limits.time_lock_max:
            broken.append("time lock")
        if not 0 <= new.min_htlc_msat <= new.max_htlc_msat <= state.channel.capacity_sat * 1000:
            broken.append("htlc limits")
        if new.max_htlc_msat < 1 or new.disabled:
            broken.append("htlc or disabled")
        if not limits.allow_positive_inbound_fees and (
            new.inbound_fee_rate_ppm > 0 or new.inbound_base_fee_msat > 0
        ):
            broken.append("positive inbound")
        if new.inbound_fee_rate_ppm < limits.inbound_fee_rate_min_ppm:
            broken.append("inbound rate")
        if (
            new.inbound_fee_rate_ppm > limits.fee_rate_max_ppm
            or new.inbound_base_fee_msat < -limits.base_fee_max_msat
        ):
            broken.append("inbound range")
        if (decision.type is DecisionType.INCREASE_FEES) != (new.fee_rate_ppm > old.fee_rate_ppm):
            broken.append("direction")
        base_returning = not limits.base_fee_min_msat <= old.base_fee_msat <= limits.base_fee_max_msat
        base_allowed = max(
            old.base_fee_msat * limits.max_fee_change_pct / 100, limits.base_fee_change_floor_msat
        )
        if not base_returning and abs(new.base_fee_msat - old.base_fee_msat) > base_allowed:
            broken.append("base fee step")
        returning = not low <= old.fee_rate_ppm <= high
        allowed = max(old.fee_rate_ppm * limits.max_fee_change_pct / 100, limits.fee_change_floor_ppm)
        if not returning and abs(new.fee_rate_ppm - old.fee_rate_ppm) > allowed:
            broken.append("fee step")
        last = [
            *history.channel_changes.get(state.channel.chan_id, ()),
            *(c.changed_at for c in state.policy_changes),
        ]
        if last and now - max(last) < limits.cooldown_minutes * 60:
            broken.append("cooldown")
        if (
            history.channel_count_since(state.channel.chan_id, now - 86_400)
            >= limits.max_changes_per_channel_per_day
        ):
            broken.append("channel rate")
        per_channel = math.ceil(limits.max_changes_per_node_per_day_per_channel * max(len(views), 1))
        if history.node_count_since(now - 86_400) >= min(limits.max_changes_per_node_per_day, per_channel):
            broken.append("node rate")
    if decision.type is DecisionType.REBALANCE:
        params = decision.rebalance
        assert params is not None
        source = views[params.source_chan_id]
        if params.amount_sat < limits.rebalance_min_amount_sat:
            broken.append("amount min")
        fraction = limits.rebalance_max_capacity_fraction
        if params.amount_sat > fraction * min(state.channel.capacity_sat, source.channel.capacity_sat):
            broken.append("amount fraction")
        if params.max_fee_msat * 1000 > limits.rebalance_max_cost_ppm * params.amount_sat:
            broken.append("cost ppm")
        if params.max_fee_msat > params.budget_msat:
            broken.append("budget")
        if source.channel.local_balance_sat - source.channel.local_chan_reserve_sat < params.amount_sat:
            broken.append("source liquidity")
    if decision.type is DecisionType.CLOSE_CHANNEL and not limits.allow_close:
        broken.append("close not allowed")
    return broken
