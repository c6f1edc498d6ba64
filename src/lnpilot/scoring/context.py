"""Network-wide distributions, computed once per graph snapshot, that heuristics rank against.

Scoring a node means placing its metrics within the whole graph. Sorting each metric once
(O(n log n)) and then answering every percentile with a binary search keeps scoring all nodes
O(n log n) overall instead of O(n^2).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from lnpilot.domain.graph import Graph
from lnpilot.domain.metrics import NodeMetrics
from lnpilot.errors import InvalidInputError
from lnpilot.scoring._scale import clamp01, median, percentile_rank, price_fraction, weighted_median

# Metrics ranked by percentile; each maps to a NodeMetrics attribute (None values are skipped).
RANKED_METRICS: tuple[str, ...] = (
    "betweenness_norm",
    "routing_betweenness_norm",
    "closeness",
    "pagerank",
    "total_capacity_sat",
    "channel_count",
    "degree",
    "mean_channel_age_blocks",
)


@dataclass(frozen=True, slots=True)
class GraphFacts:
    """What only the raw graph (not the per-node metrics) can tell."""

    # Peers whose every channel goes to this node: they drop off the network if it leaves.
    dependents: Mapping[str, int] = field(default_factory=dict)
    median_channel_capacity_sat: Mapping[str, float] = field(default_factory=dict)
    # Fee rates of every enabled half-policy in the graph, sorted.
    enabled_fee_rates_ppm: tuple[float, ...] = ()
    network_median_channel_sat: float | None = None
    # Median fee rate of the enabled half-policies weighted by channel capacity: what liquidity
    # costs. The plain median is the software default (1 ppm in 2021) set on many small channels.
    capacity_weighted_fee_ppm: float | None = None
    # Per node: its fees against the capacity-weighted median of all fees charged into each of its
    # peers (``price_fraction``, capacity-weighted over its channels); absent where no peer has
    # MIN_COMPETITORS other nodes charging into it.
    vs_competitors: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ScoringContext:
    node_count: int
    distributions: Mapping[str, tuple[float, ...]]
    network_median_fee_ppm: float | None
    network_p90_fee_ppm: float | None
    facts: GraphFacts | None = None
    # Per metric, the median of its positive values: the unit of ``magnitude``'s log scale.
    references: Mapping[str, float] = field(default_factory=dict)
    # Per metric, value -> (percentile, standing) for every value in the distribution, computed
    # in one vectorised pass so scoring every node of the graph needs no binary search at all.
    known: Mapping[str, Mapping[float, tuple[float, float]]] = field(default_factory=dict)

    def percentile(self, metric: str, value: float | None) -> float | None:
        """Mid-rank percentile (0-1) of ``value`` among all nodes; None if unknown or unmeasured."""
        if value is None:
            return None
        hit = self.known.get(metric, {}).get(value)
        if hit is not None:
            return hit[0]
        dist = self.distributions.get(metric)
        if not dist:
            return None
        return percentile_rank(dist, float(value))

    def magnitude(self, metric: str, value: float | None) -> float | None:
        """``log(1 + x/ref) / log(1 + max/ref)`` with ``ref`` the median of the positive values.

        Percentiles saturate in a heavy tail (the 50 biggest hubs all sit at p99+ although their
        betweenness differs tenfold); this log scale keeps the tail apart. 0 when every value is
        zero; None for an unknown value or metric.
        """
        if value is None:
            return None
        dist = self.distributions.get(metric)
        if not dist:
            return None
        ref = self.references.get(metric)
        if ref is None:
            return 0.0
        return clamp01(math.log1p(max(0.0, float(value)) / ref) / math.log1p(dist[-1] / ref))

    def standing(self, metric: str, value: float | None) -> float | None:
        """Half percentile (order across the whole graph), half log magnitude (spread in the tail)."""
        if value is None:
            return None
        hit = self.known.get(metric, {}).get(value)
        if hit is not None:
            return hit[1]
        pct = self.percentile(metric, value)
        mag = self.magnitude(metric, value)
        if pct is None or mag is None:
            return None
        return 0.5 * pct + 0.5 * mag


def graph_facts(graph: Graph) -> GraphFacts:
    """One pass over the channels: dependents, median channel size and the fee distribution."""
    peers: dict[str, set[str]] = defaultdict(set)
    capacities: dict[str, list[int]] = defaultdict(list)
    fees: list[float] = []
    weighted: list[tuple[float, float]] = []
    for chan in graph.channels:
        peers[chan.node1].add(chan.node2)
        peers[chan.node2].add(chan.node1)
        capacities[chan.node1].append(chan.capacity_sat)
        capacities[chan.node2].append(chan.capacity_sat)
        for policy in (chan.node1_policy, chan.node2_policy):
            if policy is not None and not policy.disabled:
                fees.append(float(policy.fee_rate_ppm))
                weighted.append((float(policy.fee_rate_ppm), float(chan.capacity_sat)))
    dependents: dict[str, int] = defaultdict(int)
    for node, node_peers in peers.items():
        if len(node_peers) == 1:
            (only,) = node_peers
            if only != node:
                dependents[only] += 1
    return GraphFacts(
        vs_competitors=_vs_competitors(graph),
        dependents=dict(dependents),
        median_channel_capacity_sat={node: median(caps) for node, caps in capacities.items()},
        enabled_fee_rates_ppm=tuple(sorted(fees)),
        capacity_weighted_fee_ppm=weighted_median(weighted),
        network_median_channel_sat=median([c.capacity_sat for c in graph.channels])
        if graph.channels
        else None,
    )


MIN_COMPETITORS = 3


def _vs_competitors(graph: Graph) -> dict[str, float]:
    """Each node's prices against everyone charging into the same peers (see GraphFacts).

    The reference median includes the node's own fee: excluding it exactly would cost a median
    per (node, peer) pair, quadratic in a hub's degree, and with MIN_COMPETITORS or more sellers
    into a peer one seller moves a weighted median little.
    """
    into: dict[str, list[tuple[str, float, float]]] = defaultdict(list)
    for chan in graph.channels:
        for seller, buyer, policy in (
            (chan.node1, chan.node2, chan.node1_policy),
            (chan.node2, chan.node1, chan.node2_policy),
        ):
            if policy is not None and not policy.disabled and seller != buyer:
                into[buyer].append((seller, float(policy.fee_rate_ppm), float(chan.capacity_sat)))
    total: dict[str, float] = defaultdict(float)
    weight: dict[str, float] = defaultdict(float)
    for rows in into.values():
        if len({seller for seller, _, _ in rows}) < MIN_COMPETITORS:
            continue
        reference = weighted_median((fee, cap) for _, fee, cap in rows)
        if reference is None:
            continue
        for seller, fee, cap in rows:
            cap = max(cap, 1.0)
            total[seller] += price_fraction(fee, reference) * cap
            weight[seller] += cap
    return {node: total[node] / weight[node] for node in total}


def build_context(
    metrics: Mapping[str, NodeMetrics] | Iterable[NodeMetrics], graph: Graph | None = None
) -> ScoringContext:
    """Sort every ranked metric once. With ``graph``, the network fee median is the
    capacity-weighted median of every enabled half-policy and the 90th percentile is over those
    policies; without it (or without policies in it), both come from the nodes' own medians."""
    rows = list(metrics.values() if isinstance(metrics, Mapping) else metrics)
    if not rows:
        raise InvalidInputError("cannot build a scoring context from an empty graph (no node metrics)")
    distributions: dict[str, tuple[float, ...]] = {}
    for name in RANKED_METRICS:
        values = [getattr(row, name) for row in rows]
        distributions[name] = tuple(sorted(float(v) for v in values if v is not None))
    facts = graph_facts(graph) if graph is not None else None
    fees: tuple[float, ...] = ()
    if facts is not None:
        distributions["dependents"] = tuple(sorted(float(facts.dependents.get(r.pub_key, 0)) for r in rows))
        fees = facts.enabled_fee_rates_ppm
    if not fees:
        fees = tuple(sorted(r.median_out_fee_ppm for r in rows if r.median_out_fee_ppm is not None))
    network_fee = median(fees) if fees else None
    if facts is not None and facts.capacity_weighted_fee_ppm is not None:
        network_fee = facts.capacity_weighted_fee_ppm
    references = {}
    for name, dist in distributions.items():
        positive = dist[bisect_right(dist, 0.0) :]
        if positive:
            # Floored at 1e-12 of the maximum so that max/ref stays a finite float.
            references[name] = max(positive[len(positive) // 2], positive[-1] * 1e-12)
    return ScoringContext(
        node_count=len(rows),
        references=references,
        known={name: _standings(dist, references.get(name)) for name, dist in distributions.items()},
        distributions=distributions,
        network_median_fee_ppm=network_fee,
        network_p90_fee_ppm=fees[min(len(fees) - 1, int(0.9 * len(fees)))] if fees else None,
        facts=facts,
    )


def _standings(dist: tuple[float, ...], ref: float | None) -> dict[float, tuple[float, float]]:
    """(percentile, standing) of every distinct value of a sorted distribution, vectorised."""
    if not dist:
        return {}
    values = np.asarray(dist, dtype=np.float64)
    unique = np.unique(values)
    below = np.searchsorted(values, unique, side="left")
    not_above = np.searchsorted(values, unique, side="right")
    pct = (below + not_above) / (2.0 * len(values))
    if ref is None:
        standing = 0.5 * pct  # every value is zero: no magnitude to add
    else:
        mag = np.clip(np.log1p(np.maximum(unique, 0.0) / ref) / math.log1p(values[-1] / ref), 0.0, 1.0)
        standing = 0.5 * pct + 0.5 * mag
    return dict(zip(unique.tolist(), zip(pct.tolist(), standing.tolist(), strict=True), strict=True))
