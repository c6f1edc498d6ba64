"""The close rule: close only when the capital stays under-used for a long window.

The channel's earnings rate (fees per sat of capacity per day) must stay below the node's median
rate in *both* halves of the window, and the shortfall over the window must exceed
``close_margin`` times the cost of closing and reopening elsewhere.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass

from lnpilot.decisions.profiles import Profile
from lnpilot.decisions.signals import DAY_S, Measures, earnings_rate
from lnpilot.decisions.types import CloseParams
from lnpilot.domain.channel_view import ChannelView
from lnpilot.domain.scores import CompositeScore

MIN_CHANNELS_FOR_MEDIAN = 3


@dataclass(frozen=True, slots=True)
class CloseProposal:
    params: CloseParams | None
    reasons: tuple[str, ...]
    strength: float
    gain_msat: int


def node_median_rate(measured: Iterable[tuple[ChannelView, Measures]], window_days: float) -> float | None:
    """Median earnings rate of the channels whose history covers the window; None below 3 channels."""
    rates = []
    for view, m in measured:
        if m.span_s is None or m.span_s < window_days * DAY_S or view.channel.capacity_sat <= 0:
            continue
        rates.append(earnings_rate(m.close_whole.earned_msat, view.channel.capacity_sat, window_days))
    if len(rates) < MIN_CHANNELS_FOR_MEDIAN:
        return None
    return float(statistics.median(rates))


def propose_close(
    view: ChannelView,
    profile: Profile,
    median_rate: float | None,
    score: CompositeScore | None,
    m: Measures,
) -> CloseProposal:
    if not profile.close_enabled:
        return CloseProposal(None, (), 0.0, 0)
    days = profile.close_window_days
    if median_rate is None:
        return CloseProposal(None, ("missing data: node median earnings rate, close not judged",), 0.0, 0)
    span = m.span_s
    if span is None or span < days * DAY_S:
        known = "unknown" if span is None else f"{span / DAY_S:.0f} d"
        return CloseProposal(None, (f"history {known} shorter than the {days:g} d close window",), 0.0, 0)
    capacity = view.channel.capacity_sat
    whole = m.close_whole
    rate = earnings_rate(whole.earned_msat, capacity, days)
    half_rates = [earnings_rate(f.earned_msat, capacity, days / 2) for f in (m.close_first, m.close_second)]
    opportunity = int(median_rate * capacity * days)
    shortfall = opportunity - whole.earned_msat
    reopen = profile.reopen_cost_sat * 1000
    summary = (
        f"earned {rate:.4f} msat/sat/day over {days:g} d vs node median {median_rate:.4f}; "
        f"shortfall {shortfall} msat vs reopening {reopen} msat"
    )
    if any(r >= median_rate for r in half_rates) or shortfall <= profile.close_margin * reopen:
        return CloseProposal(None, (summary + ": keep",), 0.0, 0)
    if view.reach_lost_nodes:
        return CloseProposal(
            None, (summary, f"closing would lose reach to {view.reach_lost_nodes} nodes"), 0.0, 0
        )
    if score is not None and score.composite is not None and score.composite > profile.close_max_score:
        return CloseProposal(
            None, (summary, f"score {score.composite:.0f} above {profile.close_max_score:g}: keep"), 0.0, 0
        )
    params = CloseParams(
        reason="earnings below the node median for the whole window, net of reopening cost",
        window_days=days,
        earned_msat=whole.earned_msat,
        earnings_rate_msat_per_sat_day=rate,
        node_median_rate_msat_per_sat_day=median_rate,
        opportunity_cost_msat=opportunity,
        reopen_cost_msat=reopen,
    )
    strength = min(1.0, 1 - whole.earned_msat / opportunity) if opportunity > 0 else 0.0
    return CloseProposal(params, (summary,), strength, shortfall - reopen)
