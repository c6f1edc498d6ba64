"""Activity: how much this channel forwarded over the last 30 days, and how recently.

Each forward counts with a weight that halves every ``HALF_LIFE_DAYS`` of age, so recent
traffic matters more (the trend, by time rather than by list position) while every extra
forward still adds: more forwards can never lower the score. The plain trend (second half of the
window against the first) is reported as a component for the decision engine.
"""

from __future__ import annotations

import math

from lnpilot.domain.channel_view import ChannelView
from lnpilot.domain.scores import HeuristicScore
from lnpilot.scoring._scale import to_score
from lnpilot.scoring.channel_facts import DAY_S, WINDOW_DAYS, ChannelFacts, flow_of

NAME = "activity"
# Scales at which each part reaches 1 - 1/e (about 63 %).
FORWARDS_SCALE = 15.0  # time-weighted forwards per window
TURNOVER_SCALE = 1.0  # time-weighted volume / capacity
REVENUE_SCALE_PPM = 50.0  # time-weighted fees earned, ppm of capacity
RECENCY_HALF_LIFE_DAYS = 7.0
WEIGHTS: dict[str, float] = {"frequency": 0.35, "volume": 0.25, "revenue": 0.25, "recency": 0.15}
_DAY_S = DAY_S


def _saturate(x: float, scale: float) -> float:
    return 1.0 - math.exp(-x / scale)


def score_channel(view: ChannelView, facts: ChannelFacts | None = None) -> HeuristicScore:
    chan = view.channel
    if chan.capacity_sat <= 0:
        return HeuristicScore(NAME, None, "unavailable: channel capacity unknown")
    flow = facts.flow if facts is not None else flow_of(view)
    now = view.now
    last_seen = flow.last_seen
    count, volume_sat, fees_sat = flow.count, flow.volume_sat, flow.fees_sat
    late_sat, early_sat = flow.late_volume_sat, flow.early_volume_sat
    weighted_count, weighted_volume_sat, weighted_fees_sat = (
        flow.weighted_count,
        flow.weighted_volume_sat,
        flow.weighted_fees_sat,
    )
    days_since = None if last_seen is None else (now - last_seen) / _DAY_S
    parts = {
        "frequency": _saturate(weighted_count, FORWARDS_SCALE),
        "volume": _saturate(weighted_volume_sat / chan.capacity_sat, TURNOVER_SCALE),
        "revenue": _saturate(weighted_fees_sat * 1e6 / chan.capacity_sat, REVENUE_SCALE_PPM),
        "recency": 0.0 if days_since is None else 0.5 ** (days_since / RECENCY_HALF_LIFE_DAYS),
    }
    value = sum(WEIGHTS[k] * v for k, v in parts.items())
    trend = (late_sat - early_sat) / (late_sat + early_sat) if late_sat + early_sat > 0 else None
    components: dict[str, float | None] = {
        **parts,
        "forwards_30d": float(count),
        "volume_30d_sat": volume_sat,
        "fees_30d_sat": fees_sat,
        "trend": trend,
        "days_since_last_forward": days_since,
    }
    if count == 0:
        since = "never forwarded" if days_since is None else f"last forward {days_since:.0f} days ago"
        reason = f"no forwards in the last {WINDOW_DAYS} days ({since})"
    else:
        trend_text = "" if trend is None else f", trend {trend:+.2f}"
        moved = f"{count} forwards, {volume_sat:,.0f} sat, {fees_sat:,.1f} sat fees"
        reason = f"{moved} in {WINDOW_DAYS} days{trend_text}"
    return HeuristicScore(NAME, to_score(value), reason, components)
