"""PolicyValidator: the last gate before anything is executed. Pure: history and now are passed in.

It checks every limit from settings and returns every violation (stable codes in ``verdict.CODES``).
A decision with no violation is the only kind the executor may run.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from lnpilot.decisions.operator import blacklist_reason, override_for
from lnpilot.decisions.signals import DAY_S, flow, usable_local_sat
from lnpilot.decisions.types import FEE_DECISIONS, Decision, DecisionType, RebalanceParams
from lnpilot.domain.channel_view import ChannelView
from lnpilot.domain.graph import RoutingPolicy
from lnpilot.safety.history import ValidationHistory
from lnpilot.safety.verdict import Verdict, Violation
from lnpilot.settings import Blacklist, ChannelOverride, Limits, Settings


class PolicyValidator:
    def __init__(
        self,
        limits: Limits,
        blacklist: Blacklist | None = None,
        overrides: Mapping[str, ChannelOverride] | None = None,
    ) -> None:
        self.limits = limits
        self.blacklist = blacklist or Blacklist()
        self.overrides: Mapping[str, ChannelOverride] = overrides or {}

    @classmethod
    def from_settings(cls, settings: Settings) -> PolicyValidator:
        return cls(settings.limits, settings.blacklist, settings.channels)

    def validate(
        self,
        decision: Decision,
        view: ChannelView,
        history: ValidationHistory,
        now: int,
        views: Mapping[int, ChannelView] | None = None,
    ) -> Verdict:
        """Every violation of ``decision`` on ``view``; ``views`` (by chan_id) show a rebalance source."""
        if decision.type is DecisionType.NO_ACTION:
            return Verdict(decision, ())
        found: list[Violation] = []
        add = found.append
        if decision.chan_id != view.channel.chan_id:
            add(
                Violation(
                    "view_mismatch", f"decision for {decision.chan_id} judged on {view.channel.chan_id}"
                )
            )
        found.extend(self._operator(view))
        if decision.type in FEE_DECISIONS:
            found.extend(self._policy(decision, view))
            found.extend(self._rate(view, history, now, len(views) if views else 1))
        elif decision.type is DecisionType.REBALANCE:
            if decision.rebalance is None:
                add(Violation("missing_rebalance_params", "rebalance decision without parameters"))
            else:
                found.extend(self._rebalance(decision.rebalance, view, views or {}))
                found.extend(self._rebalance_rate(decision.rebalance, history, now))
        elif decision.type is DecisionType.CLOSE_CHANNEL:
            if decision.close is None:
                add(Violation("missing_close_params", "close decision without its economics"))
            if not self.limits.allow_close:
                add(Violation("close_not_allowed", "closes are refused unless limits.allow_close is true"))
        return Verdict(decision, tuple(found))

    # -- operator rules ---------------------------------------------------------------------------
    def _operator(self, view: ChannelView) -> list[Violation]:
        found: list[Violation] = []
        override = override_for(self.overrides, view.channel.chan_id)
        if override is not None and override.exclude:
            found.append(Violation("channel_excluded", "channel is excluded by an operator override"))
        if override is not None and override.pin:
            found.append(Violation("channel_pinned", "channel is pinned: never touched"))
        listed = blacklist_reason(self.blacklist, view.channel)
        if listed == "channel is blacklisted":
            found.append(Violation("channel_blacklisted", listed))
        elif listed is not None:
            found.append(Violation("peer_blacklisted", listed))
        return found

    # -- fee decisions -----------------------------------------------------------------------------
    def _policy(self, decision: Decision, view: ChannelView) -> list[Violation]:
        new = decision.new_policy
        if new is None:
            return [Violation("missing_policy", "fee decision without the complete new policy")]
        lim = self.limits
        found: list[Violation] = []
        add = found.append
        override = override_for(self.overrides, view.channel.chan_id)
        low, high = lim.fee_rate_min_ppm, lim.fee_rate_max_ppm
        if new.fee_rate_ppm < lim.fee_rate_min_ppm:
            add(Violation("fee_rate_below_min", f"fee rate {new.fee_rate_ppm} < {lim.fee_rate_min_ppm} ppm"))
        if new.fee_rate_ppm > lim.fee_rate_max_ppm:
            add(Violation("fee_rate_above_max", f"fee rate {new.fee_rate_ppm} > {lim.fee_rate_max_ppm} ppm"))
        if override is not None and override.fee_rate_min_ppm is not None:
            low = max(low, override.fee_rate_min_ppm)
            if new.fee_rate_ppm < override.fee_rate_min_ppm:
                add(Violation("fee_rate_below_channel_min", f"fee rate {new.fee_rate_ppm} < channel minimum"))
        if override is not None and override.fee_rate_max_ppm is not None:
            high = min(high, override.fee_rate_max_ppm)
            if new.fee_rate_ppm > override.fee_rate_max_ppm:
                add(Violation("fee_rate_above_channel_max", f"fee rate {new.fee_rate_ppm} > channel maximum"))
        if new.base_fee_msat < lim.base_fee_min_msat:
            add(
                Violation(
                    "base_fee_below_min", f"base fee {new.base_fee_msat} < {lim.base_fee_min_msat} msat"
                )
            )
        if new.base_fee_msat > lim.base_fee_max_msat:
            add(
                Violation(
                    "base_fee_above_max", f"base fee {new.base_fee_msat} > {lim.base_fee_max_msat} msat"
                )
            )
        if new.time_lock_delta < lim.time_lock_min:
            add(Violation("time_lock_below_min", f"time lock {new.time_lock_delta} < {lim.time_lock_min}"))
        if new.time_lock_delta > lim.time_lock_max:
            add(Violation("time_lock_above_max", f"time lock {new.time_lock_delta} > {lim.time_lock_max}"))
        if new.disabled:
            add(Violation("policy_disables_channel", "a fee decision may not disable the channel"))
        found.extend(self._htlc_and_inbound(new, view))
        old = view.policy
        if old is None:
            add(
                Violation("current_policy_unknown", "current policy unknown: the step size cannot be checked")
            )
            return found
        if (decision.type is DecisionType.INCREASE_FEES) != (new.fee_rate_ppm > old.fee_rate_ppm):
            add(
                Violation(
                    "direction_mismatch",
                    f"{decision.type.value} but {old.fee_rate_ppm} -> {new.fee_rate_ppm}",
                )
            )
        if _step_too_large(
            old.fee_rate_ppm, new.fee_rate_ppm, low, high, lim.max_fee_change_pct, lim.fee_change_floor_ppm
        ):
            add(
                Violation(
                    "fee_rate_change_too_large", f"fee rate {old.fee_rate_ppm} -> {new.fee_rate_ppm} ppm"
                )
            )
        if _step_too_large(
            old.base_fee_msat,
            new.base_fee_msat,
            lim.base_fee_min_msat,
            lim.base_fee_max_msat,
            lim.max_fee_change_pct,
            lim.base_fee_change_floor_msat,
        ):
            add(
                Violation(
                    "base_fee_change_too_large", f"base fee {old.base_fee_msat} -> {new.base_fee_msat} msat"
                )
            )
        return found

    def _htlc_and_inbound(self, new: RoutingPolicy, view: ChannelView) -> list[Violation]:
        lim = self.limits
        found: list[Violation] = []
        add = found.append
        capacity_msat = view.channel.capacity_sat * 1000
        if new.min_htlc_msat < 0:
            add(Violation("min_htlc_negative", f"min HTLC {new.min_htlc_msat} msat"))
        if new.max_htlc_msat < max(new.min_htlc_msat, 1):
            add(
                Violation(
                    "max_htlc_below_min_htlc", f"max HTLC {new.max_htlc_msat} < min HTLC {new.min_htlc_msat}"
                )
            )
        if new.max_htlc_msat > capacity_msat:
            add(
                Violation(
                    "max_htlc_above_capacity", f"max HTLC {new.max_htlc_msat} > capacity {capacity_msat} msat"
                )
            )
        positive = new.inbound_fee_rate_ppm > 0 or new.inbound_base_fee_msat > 0
        if positive and not lim.allow_positive_inbound_fees:
            add(Violation("inbound_fee_positive", "positive inbound fees are not allowed"))
        if positive and lim.allow_positive_inbound_fees and new.inbound_fee_rate_ppm > lim.fee_rate_max_ppm:
            add(Violation("inbound_fee_positive", f"inbound fee rate above {lim.fee_rate_max_ppm} ppm"))
        if new.inbound_fee_rate_ppm < lim.inbound_fee_rate_min_ppm:
            add(Violation("inbound_fee_rate_below_min", f"inbound fee rate {new.inbound_fee_rate_ppm} ppm"))
        if new.inbound_base_fee_msat < -lim.base_fee_max_msat:
            add(Violation("inbound_base_fee_below_min", f"inbound base fee {new.inbound_base_fee_msat} msat"))
        return found

    def _rate(
        self, view: ChannelView, history: ValidationHistory, now: int, channels: int
    ) -> list[Violation]:
        lim = self.limits
        found: list[Violation] = []
        chan_id = view.channel.chan_id
        # Changes made outside lnpilot (seen in the view) count for the cooldown too.
        times = [t for t in (history.last_change(chan_id),) if t is not None]
        times.extend(c.changed_at for c in view.policy_changes)
        if times and now - max(times) < lim.cooldown_minutes * 60:
            minutes = (now - max(times)) / 60
            found.append(
                Violation(
                    "cooldown_active", f"last change {minutes:.0f} min ago (< {lim.cooldown_minutes:g})"
                )
            )
        day_ago = now - DAY_S
        if history.channel_count_since(chan_id, day_ago) >= lim.max_changes_per_channel_per_day:
            found.append(
                Violation(
                    "channel_daily_limit_reached", f"{lim.max_changes_per_channel_per_day} changes in 24 h"
                )
            )
        node_cap = node_daily_cap(lim, channels)
        if history.node_count_since(day_ago) >= node_cap:
            found.append(
                Violation(
                    "node_daily_limit_reached", f"{node_cap} node changes in 24 h ({channels} channels)"
                )
            )
        return found

    # -- rebalances --------------------------------------------------------------------------------
    def _rebalance_rate(
        self, params: RebalanceParams, history: ValidationHistory, now: int
    ) -> list[Violation]:
        """Cooldown per channel, count per day and spend caps, from the stored rebalance history.
        The spend counts this rebalance at its worst case (``max_fee_msat``)."""
        lim = self.limits
        found: list[Violation] = []
        last = history.last_rebalance(params.target_chan_id)
        if last is not None and now - last < lim.rebalance_cooldown_hours * 3600:
            hours = (now - last) / 3600
            found.append(
                Violation(
                    "rebalance_cooldown_active",
                    f"last rebalance {hours:.1f} h ago (< {lim.rebalance_cooldown_hours:g} h)",
                )
            )
        if history.rebalance_count_since(now - DAY_S) >= lim.max_rebalances_per_day:
            found.append(
                Violation("rebalance_daily_count_reached", f"{lim.max_rebalances_per_day} rebalances in 24 h")
            )
        for code, window_s, cap_sat in (
            ("rebalance_daily_spend_cap_reached", DAY_S, lim.rebalance_daily_spend_cap_sat),
            ("rebalance_weekly_spend_cap_reached", 7 * DAY_S, lim.rebalance_weekly_spend_cap_sat),
        ):
            spent = history.rebalance_spend_msat_since(now - window_s)
            if spent + params.max_fee_msat > cap_sat * 1000:
                found.append(
                    Violation(
                        code,
                        f"spent {spent // 1000} sat + up to {params.max_fee_msat // 1000} > {cap_sat} sat",
                    )
                )
        return found

    def _rebalance(
        self, params: RebalanceParams, view: ChannelView, views: Mapping[int, ChannelView]
    ) -> list[Violation]:
        lim = self.limits
        found: list[Violation] = []
        add = found.append
        target = view.channel
        if params.target_chan_id != target.chan_id:
            add(
                Violation(
                    "rebalance_target_mismatch", f"target {params.target_chan_id} is not {target.chan_id}"
                )
            )
        if params.source_chan_id == params.target_chan_id:
            add(Violation("rebalance_same_channel", "source and target are the same channel"))
        if params.amount_sat < max(lim.rebalance_min_amount_sat, 1):
            add(
                Violation(
                    "rebalance_amount_below_min", f"{params.amount_sat} sat < {lim.rebalance_min_amount_sat}"
                )
            )
        if params.amount_sat > lim.rebalance_max_capacity_fraction * target.capacity_sat:
            add(Violation("rebalance_amount_above_capacity_fraction", f"{params.amount_sat} sat on target"))
        if params.max_cost_ppm > lim.rebalance_max_cost_ppm:
            add(
                Violation(
                    "rebalance_cost_above_max",
                    f"{params.max_cost_ppm:.0f} > {lim.rebalance_max_cost_ppm} ppm",
                )
            )
        if params.max_fee_msat > params.budget_msat:
            add(
                Violation(
                    "rebalance_fee_above_budget", f"{params.max_fee_msat} > budget {params.budget_msat} msat"
                )
            )
        earned = flow(view, lim.rebalance_budget_window_days * DAY_S).earned_msat
        if params.budget_msat > lim.rebalance_max_budget_share * earned:
            add(
                Violation(
                    "rebalance_budget_above_earnings",
                    f"budget {params.budget_msat} > {lim.rebalance_max_budget_share:g} x earned {earned}",
                )
            )
        if target.local_ratio >= 0.5:
            add(Violation("rebalance_target_not_needed", f"target local ratio {target.local_ratio:.2f}"))
        if (
            target.local_balance_sat + params.amount_sat
            > target.capacity_sat - target.remote_chan_reserve_sat
        ):
            add(Violation("rebalance_target_overfilled", "amount exceeds the target's inbound room"))
        source = views.get(params.source_chan_id)
        if source is None:
            add(Violation("rebalance_source_unknown", f"no view of source channel {params.source_chan_id}"))
            return found
        if blacklist_reason(self.blacklist, source.channel) is not None or _protected(
            override_for(self.overrides, source.channel.chan_id)
        ):
            add(
                Violation("rebalance_source_blacklisted", "source channel is blacklisted, pinned or excluded")
            )
        if usable_local_sat(source) < params.amount_sat:
            add(Violation("rebalance_source_insufficient", f"source can send {usable_local_sat(source)} sat"))
        if params.amount_sat > lim.rebalance_max_capacity_fraction * source.channel.capacity_sat:
            add(Violation("rebalance_amount_above_capacity_fraction", f"{params.amount_sat} sat on source"))
        return found


def node_daily_cap(limits: Limits, channels: int) -> int:
    """Fee changes the whole node may make per 24 h: proportional to its channels, under a ceiling."""
    proportional = math.ceil(limits.max_changes_per_node_per_day_per_channel * max(channels, 1))
    return min(limits.max_changes_per_node_per_day, proportional)


def _protected(override: ChannelOverride | None) -> bool:
    return override is not None and (override.pin or override.exclude)


def _step_too_large(old: int, new: int, low: int, high: int, pct: float, floor: int) -> bool:
    """A move beyond ``max(old x pct, floor)``, unless it brings an out-of-range value back inside."""
    if not low <= old <= high and low <= new <= high:
        return False
    return abs(new - old) > max(old * pct / 100, floor)
