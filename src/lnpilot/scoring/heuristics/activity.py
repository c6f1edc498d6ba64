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

NAME = "activity"
WINDOW_DAYS = 30
HALF_LIFE_DAYS = 10.0
# Scales at which each part reaches 1 - 1/e (about 63 %).
FORWARDS_SCALE = 15.0  # time-weighted forwards per window
TURNOVER_SCALE = 1.0  # time-weighted volume / capacity
REVENUE_SCALE_PPM = 50.0  # time-weighted fees earned, ppm of capacity
RECENCY_HALF_LIFE_DAYS = 7.0
WEIGHTS: dict[str, float] = {"frequency": 0.35, "volume": 0.25, "revenue": 0.25, "recency": 0.15}
_DAY_S = 86_400


def _saturate(x: float, scale: float) -> float:
    return 1.0 - math.exp(-x / scale)


def score_channel(view: ChannelView) -> HeuristicScore:
    chan = view.channel
    if chan.capacity_sat <= 0:
        return HeuristicScore(NAME, None, "unavailable: channel capacity unknown")
    window_start = view.now - WINDOW_DAYS * _DAY_S
    midpoint = view.now - WINDOW_DAYS * _DAY_S // 2
    count = 0
    weighted_count = weighted_volume_sat = weighted_fees_sat = 0.0
    volume_sat = fees_sat = 0.0
    early_sat = late_sat = 0.0
    last_seen: float | None = None
    for fwd in view.forwards:
        outgoing = fwd.chan_id_out == chan.chan_id
        incoming = fwd.chan_id_in == chan.chan_id
        at = fwd.timestamp_ns / 1e9
        if not (outgoing or incoming) or at > view.now:
            continue  # another channel's forward, or from a clock ahead of ours
        last_seen = at if last_seen is None else max(last_seen, at)
        if at < window_start:
            continue
        amount_sat = (fwd.amt_out_msat if outgoing else fwd.amt_in_msat) / 1000
        # The fee is earned on the outgoing side (as LND's fee report books it).
        fee_sat = fwd.fee_msat / 1000 if outgoing else 0.0
        weight = 0.5 ** ((view.now - at) / _DAY_S / HALF_LIFE_DAYS)
        count += 1
        weighted_count += weight
        weighted_volume_sat += weight * amount_sat
        weighted_fees_sat += weight * fee_sat
        volume_sat += amount_sat
        fees_sat += fee_sat
        if at >= midpoint:
            late_sat += amount_sat
        else:
            early_sat += amount_sat
    days_since = None if last_seen is None else (view.now - last_seen) / _DAY_S
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
        flow = f"{count} forwards, {volume_sat:,.0f} sat, {fees_sat:,.1f} sat fees"
        reason = f"{flow} in {WINDOW_DAYS} days{trend_text}"
    return HeuristicScore(NAME, to_score(value), reason, components)
