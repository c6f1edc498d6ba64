"""Competitiveness: is our price for forwarding to a peer one that senders' pathfinding accepts?

A sender reaching the peer can go through us or through any other channel into it, so the
reference is the capacity-weighted median of those competitors' fee rates (CLBOSS's reference
point); the network median is a weaker, second reference. Pricing at or below a reference scores
full marks on it; above it the part falls with each doubling (twice the median: half, 4x: a
third). Being
cheaper is never penalised here: whether it earns enough is the activity heuristic's question.
"""

from __future__ import annotations

from lnpilot.domain.channel_view import ChannelView
from lnpilot.domain.metrics import NodeMetrics
from lnpilot.domain.scores import HeuristicScore
from lnpilot.scoring._scale import price_fraction, to_score, weighted_mean
from lnpilot.scoring.context import ScoringContext

__all__ = ["NAME", "WEIGHTS", "price_fraction", "score_channel", "score_node"]

NAME = "competitiveness"
WEIGHTS: dict[str, float] = {"vs_competitors": 0.7, "vs_network": 0.3}


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
    """A public node's prices against its competitors toward the same peers, and the network.

    ``vs_competitors`` comes from the graph (``GraphFacts.vs_competitors``): on each of the node's
    enabled channels, its fee against the capacity-weighted median of every fee charged into that
    peer, capacity-weighted over its channels. A hub that charges what the market into its peers
    bears is not punished for being above a network median set by small, cheap channels.
    """
    fee = metrics.median_out_fee_ppm
    network = context.network_median_fee_ppm
    if fee is None:
        return HeuristicScore(NAME, None, "unavailable: the node publishes no enabled policy")
    vs_competitors = context.facts.vs_competitors.get(metrics.pub_key) if context.facts else None
    vs_network = None if network is None else price_fraction(fee, network)
    components: dict[str, float | None] = {
        "median_out_fee_ppm": fee,
        "network_median_fee_ppm": network,
        "vs_competitors": vs_competitors,
        "vs_network": vs_network,
    }
    value = weighted_mean({"vs_competitors": vs_competitors, "vs_network": vs_network}, WEIGHTS)
    if value is None:
        return HeuristicScore(
            NAME, None, "unavailable: no competitor or network fee to compare with", components
        )
    refs = [] if network is None else [f"network median {network:.0f} ppm"]
    if vs_competitors is not None:
        refs.insert(0, f"{vs_competitors:.2f} of full marks against competitors into its peers")
    return HeuristicScore(NAME, to_score(value), f"median {fee:.0f} ppm; {'; '.join(refs)}", components)
