"""The rebalance rule: refill a drained channel only when what it will earn beats what it costs.

Expected earnings count the refilled amount only up to the volume the channel actually sent in
the budget window (scaled to the horizon), at the rate it really earned (capped by our fee); the
cost is the payment's fee budget plus what the same liquidity would have earned on the source
channel. The fee budget is bounded by a
share of what the target channel earned: a channel never spends more than it brings in. The
offer is at most half the margin (earned ppm minus the source's ppm), and a refill is not
proposed at all when the market's replacement cost (``liquidity.replacement_cost``) exceeds that
offer: it would fail for want of a route or not pay.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lnpilot.decisions.liquidity import replacement_cost
from lnpilot.decisions.profiles import Profile
from lnpilot.decisions.signals import Flow
from lnpilot.decisions.types import RebalanceParams
from lnpilot.domain.channel_view import ChannelView
from lnpilot.settings import Limits

MARGIN_SHARE = 0.5  # share of (earned ppm - source ppm) a rebalance may spend


@dataclass(frozen=True, slots=True)
class RebalanceSource:
    """A channel that can give liquidity away: ``spare_sat`` above the profile's target ratio."""

    chan_id: int
    spare_sat: int
    fee_rate_ppm: int  # what the liquidity earns while it stays on the source
    capacity_sat: int = 0  # the source's capacity (0: unknown, the amount cap uses the target only)


@dataclass(frozen=True, slots=True)
class RebalanceProposal:
    params: RebalanceParams | None
    reasons: tuple[str, ...]
    strength: float
    gain_msat: int


def _none(*reasons: str) -> RebalanceProposal:
    return RebalanceProposal(None, reasons, 0.0, 0)


def propose_rebalance(
    view: ChannelView,
    fee_rate_ppm: int,
    profile: Profile,
    limits: Limits,
    sources: Sequence[RebalanceSource],
    recent: Flow,
    budget_flow: Flow,
) -> RebalanceProposal:
    channel = view.channel
    ratio = channel.local_ratio
    if ratio >= profile.rebalance_trigger_ratio:
        return _none()
    if not profile.rebalance_enabled:
        return _none(f"profile {profile.name} does not rebalance")
    demand = recent.out_msat > 0 or budget_flow.out_msat > 0 or (view.failed_for_liquidity or 0) > 0
    if not demand:
        return _none(f"local ratio {ratio:.2f} but no demand seen: no rebalance")
    want = int((profile.rebalance_target_ratio - ratio) * channel.capacity_sat)
    want = min(want, int(limits.rebalance_max_capacity_fraction * channel.capacity_sat))
    room = channel.capacity_sat - channel.remote_chan_reserve_sat - channel.local_balance_sat
    want = min(want, max(room, 0))
    share = min(profile.rebalance_budget_share, limits.rebalance_max_budget_share)
    budget = int(share * budget_flow.earned_msat)
    window_days = budget_flow.window_s / 86_400
    if budget <= 0:
        return _none(f"channel earned nothing in {window_days:g} d: no rebalance budget")
    usable = [s for s in sources if s.chan_id != channel.chan_id and s.spare_sat > 0]
    if not usable:
        return _none("no channel with spare local liquidity to rebalance from")
    source = max(usable, key=lambda s: (s.spare_sat, -s.chan_id))
    amount = min(want, source.spare_sat)
    if source.capacity_sat > 0:
        # The validator caps the amount on the source too: never propose what it will refuse.
        amount = min(amount, int(limits.rebalance_max_capacity_fraction * source.capacity_sat))
    if amount < limits.rebalance_min_amount_sat or amount <= 0:
        return _none(f"rebalance of {amount} sat below the minimum {limits.rebalance_min_amount_sat} sat")
    # What a sat sent through this channel really earned (base fees included), capped by our fee:
    # a fee just raised has not earned anything yet.
    realised_ppm = budget_flow.earned_msat * 1_000_000 // budget_flow.out_msat if budget_flow.out_msat else 0
    rate_ppm = min(fee_rate_ppm, realised_ppm)
    margin_ppm = rate_ppm - source.fee_rate_ppm
    if margin_ppm <= 0:
        return _none(
            f"earning {rate_ppm} ppm here vs {source.fee_rate_ppm} ppm on the source: "
            "moving liquidity loses money"
        )
    amount_msat = amount * 1000
    # Offer at most half the margin: the other half is the expected profit over the horizon.
    cost_ppm = min(limits.rebalance_max_cost_ppm, int(margin_ppm * MARGIN_SHARE))
    market = replacement_cost(view)
    if market.ppm is not None and market.ppm > cost_ppm:
        return _none(
            f"{market.reason} above the {cost_ppm} ppm half of the margin "
            f"({rate_ppm} - {source.fee_rate_ppm} ppm): a refill at market would not pay"
        )
    max_fee = min(budget, amount_msat * cost_ppm // 1_000_000)
    expected_volume = budget_flow.out_msat * profile.rebalance_horizon_days / max(window_days, 1e-9)
    routed = min(amount_msat, int(expected_volume))
    earnings = routed * rate_ppm // 1_000_000
    forgone = routed * source.fee_rate_ppm // 1_000_000
    gain = earnings - forgone - max_fee
    summary = (
        f"refill {amount} sat from {source.chan_id}: expected earnings {earnings} msat over "
        f"{profile.rebalance_horizon_days:g} d vs fee budget {max_fee} msat + forgone {forgone} msat"
    )
    if gain <= 0 or max_fee <= 0:
        return _none(summary + ": does not pay")
    params = RebalanceParams(
        amount_sat=amount,
        source_chan_id=source.chan_id,
        target_chan_id=channel.chan_id,
        max_fee_msat=max_fee,
        budget_msat=budget,
        expected_earnings_msat=earnings,
        horizon_days=profile.rebalance_horizon_days,
    )
    return RebalanceProposal(params, (summary,), min(1.0, gain / earnings), gain)
