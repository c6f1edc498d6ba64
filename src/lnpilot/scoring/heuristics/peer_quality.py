"""Peer quality: is this node a good counterparty? Big, well connected, central, sanely priced and
online (few disabled policies). Size, channels and betweenness are standings in the whole graph
(half percentile, half log magnitude); fee sanity (against the network's 90th percentile fee) and
the enabled share are absolute.
"""

from __future__ import annotations

from lnpilot.domain.channel_view import ChannelView
from lnpilot.domain.metrics import NodeMetrics
from lnpilot.domain.scores import HeuristicScore
from lnpilot.scoring._scale import clamp01, to_score, weighted_mean
from lnpilot.scoring.context import ScoringContext

NAME = "peer_quality"
WEIGHTS: dict[str, float] = {
    "capacity": 0.25,
    "channels": 0.20,
    "centrality_rank": 0.20,
    "fee_sanity": 0.15,
    "enabled": 0.20,
}


def score_node(metrics: NodeMetrics, context: ScoringContext) -> HeuristicScore:
    p90 = context.network_p90_fee_ppm
    fee = metrics.median_out_fee_ppm
    fee_sanity = None
    if fee is not None and p90 is not None:
        # Fees beyond the 90th percentile are where fat-finger and "closed shop" prices live.
        fee_sanity = min(1.0, (p90 + 1.0) / (fee + 1.0))
    parts: dict[str, float | None] = {
        "capacity": context.standing("total_capacity_sat", metrics.total_capacity_sat),
        "channels": context.standing("channel_count", metrics.channel_count),
        "centrality_rank": context.standing("betweenness_norm", metrics.betweenness_norm),
        "fee_sanity": fee_sanity,
        "enabled": None if metrics.disabled_share is None else clamp01(1.0 - metrics.disabled_share),
    }
    value = weighted_mean(parts, WEIGHTS)
    if value is None:
        return HeuristicScore(NAME, None, "unavailable: nothing known about the node", parts)
    components: dict[str, float | None] = {
        **parts,
        "total_capacity_sat": float(metrics.total_capacity_sat),
        "channel_count": float(metrics.channel_count),
        "disabled_share": metrics.disabled_share,
    }
    disabled = "unknown" if metrics.disabled_share is None else f"{100 * metrics.disabled_share:.0f}%"
    fee_text = "no enabled policy" if fee is None else f"median fee {fee:.0f} ppm"
    size = f"{metrics.total_capacity_sat:,} sat in {metrics.channel_count} channels"
    reason = f"{size}, {fee_text}, {disabled} disabled"
    return HeuristicScore(NAME, to_score(value), reason, components)


def score_channel(view: ChannelView, context: ScoringContext | None = None) -> HeuristicScore:
    if view.peer_metrics is None:
        return HeuristicScore(NAME, None, "unavailable: no graph metrics for the peer")
    if context is None:
        return HeuristicScore(NAME, None, "unavailable: no graph context to rank the peer against")
    return score_node(view.peer_metrics, context)
