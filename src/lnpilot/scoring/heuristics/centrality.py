"""Centrality: how much of the network's routing passes through a node.

Four measures, each as the node's standing in the whole graph (``ScoringContext.standing``: half
percentile, half log magnitude), so the heavy-tailed raw values (a few hubs carry most shortest
paths) become comparable 0-1 numbers that still tell the biggest hubs apart.
"""

from __future__ import annotations

from lnpilot.domain.channel_view import ChannelView
from lnpilot.domain.metrics import NodeMetrics
from lnpilot.domain.scores import HeuristicScore
from lnpilot.scoring._scale import to_score, weighted_mean
from lnpilot.scoring.context import ScoringContext

NAME = "centrality"

# Betweenness counts the paths a node sits on; the fee-weighted variant counts the paths a
# payment would actually take, so together they carry most of the weight.
WEIGHTS: dict[str, float] = {
    "betweenness": 0.35,
    "routing_betweenness": 0.25,
    "closeness": 0.20,
    "pagerank": 0.20,
}


def score_node(metrics: NodeMetrics, context: ScoringContext) -> HeuristicScore:
    parts: dict[str, float | None] = {
        "betweenness": context.standing("betweenness_norm", metrics.betweenness_norm),
        "routing_betweenness": context.standing("routing_betweenness_norm", metrics.routing_betweenness_norm),
        # Harmonic closeness is not heavy-tailed: its percentile alone orders it well.
        "closeness": context.percentile("closeness", metrics.closeness),
        "pagerank": context.standing("pagerank", metrics.pagerank),
    }
    value = weighted_mean(parts, WEIGHTS)
    if value is None:
        return HeuristicScore(NAME, None, "no centrality distribution to rank against", parts)
    best, best_value = "", -1.0
    for key, part in parts.items():
        if part is not None and part > best_value:
            best, best_value = key, part
    reason = f"centrality standing {100 * value:.0f}/100 (strongest: {best} {100 * best_value:.0f})"
    return HeuristicScore(NAME, to_score(value), reason, parts)


def score_channel(view: ChannelView, context: ScoringContext | None = None) -> HeuristicScore:
    """The peer's centrality: a channel to a well-placed node is on more routes."""
    if view.peer_metrics is None:
        return HeuristicScore(NAME, None, "unavailable: no graph metrics for the peer")
    if context is None:
        return HeuristicScore(NAME, None, "unavailable: no graph context to rank the peer against")
    return score_node(view.peer_metrics, context)
