"""Network position: what a channel (or a node) adds to the network's reach.

For one of our channels: the share of nodes we could reach within N hops only through it
(``reach_lost_nodes / reach_total_nodes``, square-rooted so the first exclusive nodes count most),
and redundancy (other channels to the same peer make this one less unique). For a public node:
how much of a hub it is (degree standing) and how many peers hang on it alone (peers whose only
channel is to it: they leave the network with it).
"""

from __future__ import annotations

import math

from lnpilot.domain.channel_view import ChannelView
from lnpilot.domain.metrics import NodeMetrics
from lnpilot.domain.scores import HeuristicScore
from lnpilot.scoring._scale import clamp01, to_score, weighted_mean
from lnpilot.scoring.context import ScoringContext

NAME = "network_position"
CHANNEL_WEIGHTS: dict[str, float] = {"reach": 0.7, "uniqueness": 0.3}
NODE_WEIGHTS: dict[str, float] = {"hub": 0.5, "dependents": 0.5}


def score_channel(view: ChannelView) -> HeuristicScore:
    uniqueness = 1.0 / (1.0 + max(0, view.parallel_channels))
    lost, total = view.reach_lost_nodes, view.reach_total_nodes
    components: dict[str, float | None] = {
        "uniqueness": uniqueness,
        "parallel_channels": float(view.parallel_channels),
        "reach_lost_nodes": None if lost is None else float(lost),
        "reach_total_nodes": None if total is None else float(total),
    }
    if lost is None or not total:
        return HeuristicScore(NAME, None, "unavailable: reach lost on closing not computed", components)
    share = clamp01(lost / total)
    parts: dict[str, float | None] = {"reach": math.sqrt(share), "uniqueness": uniqueness}
    components.update(parts)
    value = weighted_mean(parts, CHANNEL_WEIGHTS)
    assert value is not None  # both parts are known here
    reason = f"closing loses {lost} of {total} reachable nodes, {view.parallel_channels} parallel channels"
    return HeuristicScore(NAME, to_score(value), reason, components)


def score_node(metrics: NodeMetrics, context: ScoringContext) -> HeuristicScore:
    if context.facts is None:
        return HeuristicScore(NAME, None, "unavailable: needs the graph itself, not only its metrics")
    dependents = context.facts.dependents.get(metrics.pub_key, 0)
    parts: dict[str, float | None] = {
        "hub": context.standing("degree", metrics.degree),
        "dependents": context.standing("dependents", dependents),
    }
    value = weighted_mean(parts, NODE_WEIGHTS)
    if value is None:
        return HeuristicScore(NAME, None, "unavailable: no degree distribution", parts)
    components: dict[str, float | None] = {
        **parts,
        "degree": float(metrics.degree),
        "dependents_count": float(dependents),
    }
    reason = f"{metrics.degree} peers, {dependents} of them connected only through this node"
    return HeuristicScore(NAME, to_score(value), reason, components)
