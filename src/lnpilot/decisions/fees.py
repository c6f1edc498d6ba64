"""The fee rule: anchor on competitors, price scarce outbound liquidity up, damp every move.

target = anchor x liquidity x flow x failed x idle, clamped to the configured bounds, where
  anchor    = competitors' capacity-weighted median fee toward the same peer (else network median,
              else our current fee)
  liquidity = exp(ln(spread) x (0.5 - local_ratio))   (drained -> up to sqrt(spread), full -> down)
  flow      = 1 + flow_gain x clamp(net outflow / capacity, -1, 1) over the flow window
  failed    = 1 + failed_htlc_gain x min(failed, saturation) / saturation
  idle      = 1 - idle_discount when nothing left in the window and we hold more than half
The proposal moves ``step_fraction`` of the way to the target, never more than the per-step cap,
and only when the gap exceeds the hysteresis band (wider when it would reverse the last move)
and the move is at least ``min_delta_ppm``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

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
    strength: float  # 0..1: how far past the hysteresis band the gap is
    gain_msat: int


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


def propose_fee(
    view: ChannelView,
    current: RoutingPolicy,
    profile: Profile,
    limits: Limits,
    bounds: FeeBounds,
    recent: Flow,
    history_known_s: int | None,
) -> FeeProposal:
    reasons: list[str] = []
    ratio = view.channel.local_ratio
    anchor, anchor_reason = _anchor(view, current)
    reasons.append(anchor_reason)
    liquidity = math.exp(math.log(profile.liquidity_spread) * (0.5 - ratio))
    reasons.append(f"local ratio {ratio:.2f} (pending HTLCs excluded): liquidity factor x{liquidity:.2f}")
    factor = liquidity
    capacity_msat = view.channel.capacity_sat * 1000
    days = profile.flow_window_days
    if capacity_msat > 0 and (recent.out_msat or recent.in_msat):
        share = max(-1.0, min(1.0, recent.net_out_msat / capacity_msat))
        flow_factor = max(0.1, 1 + profile.flow_gain * share)
        factor *= flow_factor
        reasons.append(
            f"net outflow {share:+.1%} of capacity over {days:g} d: flow factor x{flow_factor:.2f}"
        )
    if view.failed_for_liquidity is None:
        reasons.append("failed-for-liquidity count unknown")
    elif view.failed_for_liquidity > 0:
        seen = min(view.failed_for_liquidity, profile.failed_htlc_saturation)
        failed_factor = 1 + profile.failed_htlc_gain * seen / profile.failed_htlc_saturation
        factor *= failed_factor
        reasons.append(f"{view.failed_for_liquidity} forwards failed for our liquidity: x{failed_factor:.2f}")
    window_s = days * 86_400
    if history_known_s is not None and history_known_s >= window_s and recent.out_count == 0 and ratio > 0.5:
        factor *= 1 - profile.idle_discount
        reasons.append(
            f"idle: no forward out in {days:g} d while we hold most: x{1 - profile.idle_discount:.2f}"
        )
    raw_target = anchor * factor
    target = round(min(max(raw_target, bounds.low_ppm), bounds.high_ppm))
    if target != round(raw_target):
        reasons.append(f"target {raw_target:.0f} ppm clamped to bounds [{bounds.low_ppm}, {bounds.high_ppm}]")
    reasons.append(f"target {target} ppm, current {current.fee_rate_ppm} ppm")
    return _damped(view, current, profile, limits, bounds, target, recent, reasons)


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


def _last_direction(view: ChannelView) -> int:
    """+1 / -1 for the direction of the most recent fee-rate change, 0 when none is known."""
    for change in sorted(view.policy_changes, key=lambda c: c.changed_at, reverse=True):
        if change.old is None:
            continue
        delta = change.new.fee_rate_ppm - change.old.fee_rate_ppm
        if delta:
            return 1 if delta > 0 else -1
    return 0


def _damped(
    view: ChannelView,
    current: RoutingPolicy,
    profile: Profile,
    limits: Limits,
    bounds: FeeBounds,
    target: int,
    recent: Flow,
    reasons: list[str],
) -> FeeProposal:
    now_ppm = current.fee_rate_ppm
    gap = target - now_ppm
    out_of_bounds = not bounds.low_ppm <= now_ppm <= bounds.high_ppm
    band = profile.hysteresis_pct / 100
    direction = (gap > 0) - (gap < 0)
    if direction and direction == -_last_direction(view):
        band *= profile.reversal_factor
        reasons.append(f"reversing the last move: band widened to {band:.0%}")
    relative_gap = abs(gap) / max(now_ppm, 1)
    strength = min(1.0, relative_gap / (2 * band)) if band > 0 else min(1.0, relative_gap)
    if out_of_bounds:
        strength = 1.0
    elif relative_gap < band or gap == 0:
        reasons.append(f"gap {relative_gap:.0%} within the {band:.0%} hysteresis band: fee kept")
        return FeeProposal(None, target, tuple(reasons), strength, 0)
    cap = step_cap_ppm(now_ppm, limits)
    step = max(-cap, min(cap, math.trunc(gap * profile.step_fraction)))
    proposed = now_ppm + step
    if out_of_bounds:
        # Returning inside the bounds is always allowed in one step (the validator agrees).
        proposed = min(max(proposed, bounds.low_ppm), bounds.high_ppm)
        reasons.append(f"current fee outside bounds [{bounds.low_ppm}, {bounds.high_ppm}]: brought inside")
    elif abs(proposed - now_ppm) < max(profile.min_delta_ppm, 1):
        reasons.append(
            f"step of {proposed - now_ppm} ppm below the minimum delta {profile.min_delta_ppm} ppm"
        )
        return FeeProposal(None, target, tuple(reasons), strength, 0)
    if abs(step) == cap and abs(gap * profile.step_fraction) > cap:
        reasons.append(f"step capped at {cap} ppm ({limits.max_fee_change_pct:g} % per change)")
    policy = _complete_policy(view, current, profile, limits, proposed)
    gain = abs(proposed - now_ppm) * recent.out_msat // 1_000_000
    reasons.append(f"proposed {proposed} ppm ({proposed - now_ppm:+d})")
    return FeeProposal(policy, target, tuple(reasons), strength, gain)


def _complete_policy(
    view: ChannelView, current: RoutingPolicy, profile: Profile, limits: Limits, fee_rate_ppm: int
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
    inbound_rate, inbound_base = _inbound(view, current, profile, limits, fee_rate_ppm)
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
    view: ChannelView, current: RoutingPolicy, profile: Profile, limits: Limits, fee_rate_ppm: int
) -> tuple[int, int]:
    """(inbound fee rate, inbound base fee): a discount when our side is scarce, else none.

    A negative inbound fee on this channel pays peers to route *into* it, which refills our side.
    """
    ratio = view.channel.local_ratio
    rate = 0
    trigger = profile.inbound_trigger_ratio
    if profile.inbound_discount_share > 0 and trigger > 0 and ratio < trigger:
        rate = -int(profile.inbound_discount_share * fee_rate_ppm * (trigger - ratio) / trigger)
    if limits.allow_positive_inbound_fees and current.inbound_fee_rate_ppm > 0 and rate == 0:
        rate = min(current.inbound_fee_rate_ppm, limits.fee_rate_max_ppm)
    rate = max(rate, limits.inbound_fee_rate_min_ppm)
    base = current.inbound_base_fee_msat
    if not limits.allow_positive_inbound_fees:
        base = min(base, 0)
    base = min(max(base, -limits.base_fee_max_msat), limits.base_fee_max_msat)
    return rate, base
