"""The fee rule: a correction into the bounds, else the closed fee loop of ``learn`` from a prior.

prior = anchor x liquidity x flow x failed, clamped to the configured bounds, where
  anchor    = competitors' capacity-weighted median fee toward the same peer (else network median,
              else our current fee)
  liquidity = exp(ln(spread) x (0.5 - local_ratio))   (drained -> up to sqrt(spread), full -> down)
  flow      = 1 + flow_gain x clamp(net outflow / capacity, -1, 1) over the flow window
  failed    = 1 + failed_htlc_gain x min(failed, saturation) / saturation
The prior only says where to start and where to approach from far away; what the channel earned
at each fee decides the rest (docs/decisions.md, "The fee loop"). A draining channel never sells
below the replacement cost of its outbound liquidity (``liquidity.replacement_cost``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from lnpilot.decisions.elasticity import Elasticity
from lnpilot.decisions.learn import LoopInputs, step
from lnpilot.decisions.liquidity import draining, replacement_cost, rollback_bans
from lnpilot.decisions.profiles import Profile
from lnpilot.decisions.signals import Flow, usable_local_sat
from lnpilot.domain.channel_view import ChannelView
from lnpilot.domain.graph import RoutingPolicy
from lnpilot.settings import ChannelOverride, Limits


@dataclass(frozen=True, slots=True)
class FeeBounds:
    low_ppm: int
    high_ppm: int


@dataclass(frozen=True, slots=True)
class FeeProposal:
    """``policy`` is None when no fee change is warranted; ``reasons`` says why either way."""

    policy: RoutingPolicy | None
    target_ppm: int | None
    reasons: tuple[str, ...]
    strength: float  # 0..1
    gain_msat: int
    correction: bool = False  # back inside the operator's bounds: never waits for confidence


def fee_bounds(limits: Limits, override: ChannelOverride | None) -> FeeBounds | None:
    """The intersection of the global range and the channel's override; None when empty."""
    low, high = limits.fee_rate_min_ppm, limits.fee_rate_max_ppm
    if override is not None:
        if override.fee_rate_min_ppm is not None:
            low = max(low, override.fee_rate_min_ppm)
        if override.fee_rate_max_ppm is not None:
            high = min(high, override.fee_rate_max_ppm)
    return FeeBounds(low, high) if low <= high else None


def step_cap_ppm(current_ppm: int, limits: Limits) -> int:
    """Largest move allowed in one step: the percentage cap, but at least the absolute floor."""
    return max(int(current_ppm * limits.max_fee_change_pct / 100), limits.fee_change_floor_ppm)


def prior_target(
    view: ChannelView, current: RoutingPolicy, profile: Profile, recent: Flow, reasons: list[str]
) -> float:
    """The prior: anchor x liquidity x flow x failed-forward factors (the loop's start, not its answer)."""
    ratio = view.channel.local_ratio
    anchor, anchor_reason = _anchor(view, current)
    reasons.append(anchor_reason)
    factor = math.exp(math.log(profile.liquidity_spread) * (0.5 - ratio))
    capacity_msat = view.channel.capacity_sat * 1000
    if capacity_msat > 0 and (recent.out_msat or recent.in_msat):
        share = max(-1.0, min(1.0, recent.net_out_msat / capacity_msat))
        factor *= max(0.1, 1 + profile.flow_gain * share)
    if view.failed_for_liquidity:
        seen = min(view.failed_for_liquidity, profile.failed_htlc_saturation)
        factor *= 1 + profile.failed_htlc_gain * seen / profile.failed_htlc_saturation
    reasons.append(
        f"prior {anchor * factor:.0f} ppm (anchor x{factor:.2f} for local ratio {ratio:.2f}, "
        f"net flow and failed forwards)"
    )
    return anchor * factor


def propose_fee(
    view: ChannelView,
    current: RoutingPolicy,
    profile: Profile,
    limits: Limits,
    bounds: FeeBounds,
    recent: Flow,
    history_known_s: int | None,
    elasticity: Elasticity | None = None,
) -> FeeProposal:
    """The fee loop's move (``learn.step``) as a complete policy, or a correction into the bounds."""
    now_ppm = current.fee_rate_ppm
    reasons: list[str] = []
    if not bounds.low_ppm <= now_ppm <= bounds.high_ppm:
        # A correction, not a bet: back inside the operator's bounds at once, whatever the evidence.
        proposed = min(max(now_ppm, bounds.low_ppm), bounds.high_ppm)
        reasons.append(
            f"correction: current fee {now_ppm} ppm outside bounds [{bounds.low_ppm}, {bounds.high_ppm}]: "
            f"brought inside at {proposed} ppm"
        )
        policy = _complete_policy(view, current, profile, limits, proposed, None)
        return FeeProposal(policy, proposed, tuple(reasons), 1.0, abs(proposed - now_ppm), correction=True)
    prior = prior_target(view, current, profile, recent, reasons)
    cost = replacement_cost(view)
    floor = bounds.low_ppm
    if cost.ppm is not None and draining(recent):
        floor = min(max(floor, cost.ppm), bounds.high_ppm)
        reasons.append(f"{cost.reason}; the channel drains, so it never sells below {floor} ppm")
    elif cost.ppm is not None:
        reasons.append(cost.reason)
    bans = rollback_bans(view, profile.rollback_ban_days)
    reasons.extend(bans.reasons)
    cap = step_cap_ppm(now_ppm, limits)
    inputs = LoopInputs(
        prior_ppm=min(max(prior, bounds.low_ppm), bounds.high_ppm),
        floor_ppm=floor,
        low_ppm=bounds.low_ppm,
        high_ppm=bounds.high_ppm,
        max_up_ppm=cap,
        max_down_ppm=cap,
        banned_up_until=bans.up_until,
        banned_down_until=bans.down_until,
        known_s=history_known_s,
        node_trend=elasticity.trend if elasticity is not None else 0,
        node_reason=elasticity.describe() if elasticity is not None else "",
    )
    move = step(view, profile, inputs)
    reasons.extend(move.reasons)
    if move.fee_ppm is None:
        return FeeProposal(None, None, tuple(reasons), 0.0, 0)
    reasons.append(f"proposed {move.fee_ppm} ppm ({move.fee_ppm - now_ppm:+d}, {move.kind})")
    policy = _complete_policy(view, current, profile, limits, move.fee_ppm, cost.ppm)
    return FeeProposal(policy, move.fee_ppm, tuple(reasons), 1.0, move.gain_msat)


def _anchor(view: ChannelView, current: RoutingPolicy) -> tuple[float, str]:
    if view.competitor_fee_ppm is not None:
        return view.competitor_fee_ppm, (
            f"anchor {view.competitor_fee_ppm:.0f} ppm: competitors' median toward this peer "
            f"({view.competitor_channel_count} channels)"
        )
    if view.network_median_fee_ppm is not None:
        return view.network_median_fee_ppm, (
            f"anchor {view.network_median_fee_ppm:.0f} ppm: network median (no competitor fee known)"
        )
    return float(current.fee_rate_ppm), "missing data: no competitor or network fee; anchored on current fee"


def _complete_policy(
    view: ChannelView,
    current: RoutingPolicy,
    profile: Profile,
    limits: Limits,
    fee_rate_ppm: int,
    replacement_ppm: int | None,
) -> RoutingPolicy:
    """Every field of the policy LND will hold after the update, each inside the limits."""
    capacity_msat = view.channel.capacity_sat * 1000
    base_fee = min(max(current.base_fee_msat, limits.base_fee_min_msat), limits.base_fee_max_msat)
    time_lock = min(max(current.time_lock_delta, limits.time_lock_min), limits.time_lock_max)
    min_htlc = max(current.min_htlc_msat, 0)
    if capacity_msat > 0:
        min_htlc = min(min_htlc, capacity_msat)
    if profile.tie_max_htlc_to_balance and capacity_msat > 0:
        # Buckets of a tenth of capacity: fewer failed forwards without publishing the exact balance.
        bucket_sat = max(view.channel.capacity_sat // 10, 1)
        usable = usable_local_sat(view)
        max_htlc = max(bucket_sat, usable // bucket_sat * bucket_sat) * 1000
    else:
        max_htlc = current.max_htlc_msat
    if capacity_msat > 0:
        max_htlc = min(max_htlc, capacity_msat)
    max_htlc = max(max_htlc, min_htlc, 1)
    inbound_rate, inbound_base = _inbound(view, current, profile, limits, fee_rate_ppm, replacement_ppm)
    return RoutingPolicy(
        base_fee_msat=base_fee,
        fee_rate_ppm=fee_rate_ppm,
        time_lock_delta=time_lock,
        min_htlc_msat=min_htlc,
        max_htlc_msat=max_htlc,
        disabled=False,
        last_update=view.now,
        inbound_base_fee_msat=inbound_base,
        inbound_fee_rate_ppm=inbound_rate,
    )


def _inbound(
    view: ChannelView,
    current: RoutingPolicy,
    profile: Profile,
    limits: Limits,
    fee_rate_ppm: int,
    replacement_ppm: int | None,
) -> tuple[int, int]:
    """(inbound fee rate, inbound base fee): a discount when our side is scarce, else none.

    A negative inbound fee on this channel pays peers to route *into* it, which refills our side;
    it never exceeds the replacement cost (a dearer refill than a rebalance would be a loss).
    """
    ratio = view.channel.local_ratio
    rate = 0
    trigger = profile.inbound_trigger_ratio
    if profile.inbound_discount_share > 0 and trigger > 0 and ratio < trigger:
        rate = -int(profile.inbound_discount_share * fee_rate_ppm * (trigger - ratio) / trigger)
        if replacement_ppm is not None:
            rate = max(rate, -replacement_ppm)
    if limits.allow_positive_inbound_fees and current.inbound_fee_rate_ppm > 0 and rate == 0:
        rate = min(current.inbound_fee_rate_ppm, limits.fee_rate_max_ppm)
    rate = max(rate, limits.inbound_fee_rate_min_ppm)
    base = current.inbound_base_fee_msat
    if not limits.allow_positive_inbound_fees:
        base = min(base, 0)
    base = min(max(base, -limits.base_fee_max_msat), limits.base_fee_max_msat)
    return rate, base
