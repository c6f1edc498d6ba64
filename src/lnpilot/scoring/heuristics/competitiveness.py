"""Competitiveness: is our price for forwarding to a peer one that senders' pathfinding accepts?

A sender reaching the peer can go through us or through any other channel into it, so the
reference is the capacity-weighted median of those competitors' fee rates (CLBOSS's reference
point); the network median is a weaker, second reference. Pricing at or below a reference scores
full marks on it; above it the part falls with each doubling (twice the median: half, 4x: a
third). Being
cheaper is never penalised here: whether it earns enough is the activity heuristic's question.
"""

from __future__ import annotations

import math

from lnpilot.domain.channel_view import ChannelView
from lnpilot.domain.metrics import NodeMetrics
from lnpilot.domain.scores import HeuristicScore
from lnpilot.scoring._scale import to_score, weighted_mean
from lnpilot.scoring.context import ScoringContext

NAME = "competitiveness"
WEIGHTS: dict[str, float] = {"vs_competitors": 0.7, "vs_network": 0.3}


def price_fraction(ours_ppm: float, reference_ppm: float) -> float:
    """1 at or below the reference, then ``1 / (1 + log2(ours / reference))``; +1 ppm keeps zero
    fees finite. Fees span orders of magnitude, so each doubling costs alike: 2x the reference
    scores 0.5, 4x 0.33, 8x 0.25."""
    ratio = (max(0.0, ours_ppm) + 1.0) / (max(0.0, reference_ppm) + 1.0)
    if ratio <= 1.0:
        return 1.0
    return 1.0 / (1.0 + math.log2(ratio))


def score_channel(view: ChannelView, context: ScoringContext | None = None) -> HeuristicScore:
    if view.policy is None:
        return HeuristicScore(NAME, None, "unavailable: our policy on this channel is unknown")
    ours = float(view.policy.fee_rate_ppm)
    network = view.network_median_fee_ppm
    if network is None and context is not None:
        network = context.network_median_fee_ppm
    components: dict[str, float | None] = {
        "fee_rate_ppm": ours,
        "competitor_fee_ppm": view.competitor_fee_ppm,
        "competitor_channels": float(view.competitor_channel_count),
        "network_median_fee_ppm": network,
        "vs_competitors": None
        if view.competitor_fee_ppm is None
        else price_fraction(ours, view.competitor_fee_ppm),
        "vs_network": None if network is None else price_fraction(ours, network),
    }
    if view.policy.disabled:
        # A disabled policy is announced as unusable: no sender can pick this channel.
        return HeuristicScore(NAME, 0.0, "our policy is disabled: no sender can route through it", components)
    value = weighted_mean(components, WEIGHTS)
    if value is None:
        return HeuristicScore(
            NAME, None, "unavailable: no competitor or network fee to compare with", components
        )
    refs = []
    if view.competitor_fee_ppm is not None:
        refs.append(f"competitors' median {view.competitor_fee_ppm:.0f}")
    if network is not None:
        refs.append(f"network median {network:.0f}")
    return HeuristicScore(NAME, to_score(value), f"{ours:.0f} ppm vs {', '.join(refs)} ppm", components)


def score_node(metrics: NodeMetrics, context: ScoringContext) -> HeuristicScore:
    """A public node's median outgoing fee against the network median."""
    fee = metrics.median_out_fee_ppm
    network = context.network_median_fee_ppm
    if fee is None:
        return HeuristicScore(NAME, None, "unavailable: the node publishes no enabled policy")
    if network is None:
        return HeuristicScore(
            NAME, None, "unavailable: no network median fee (no enabled policy in the graph)"
        )
    part = price_fraction(fee, network)
    components: dict[str, float | None] = {
        "median_out_fee_ppm": fee,
        "network_median_fee_ppm": network,
        "vs_network": part,
    }
    return HeuristicScore(
        NAME, to_score(part), f"median {fee:.0f} ppm vs network median {network:.0f} ppm", components
    )
