"""Network-wide distributions, computed once per graph snapshot, that heuristics rank against.

Scoring a node means placing its metrics within the whole graph. Sorting each metric once
(O(n log n)) and then answering every percentile with a binary search keeps scoring all nodes
O(n log n) overall instead of O(n^2).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from lnpilot.domain.graph import Graph
from lnpilot.domain.metrics import NodeMetrics
from lnpilot.errors import InvalidInputError
from lnpilot.scoring._scale import median, percentile_rank

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


@dataclass(frozen=True, slots=True)
class ScoringContext:
    node_count: int
    distributions: Mapping[str, tuple[float, ...]]
    network_median_fee_ppm: float | None
    network_p90_fee_ppm: float | None
    facts: GraphFacts | None = None

    def percentile(self, metric: str, value: float | None) -> float | None:
        """Mid-rank percentile (0-1) of ``value`` among all nodes; None if unknown or unmeasured."""
        if value is None:
            return None
        dist = self.distributions.get(metric)
        if not dist:
            return None
        return percentile_rank(dist, float(value))


def graph_facts(graph: Graph) -> GraphFacts:
    """One pass over the channels: dependents, median channel size and the fee distribution."""
    peers: dict[str, set[str]] = defaultdict(set)
    capacities: dict[str, list[int]] = defaultdict(list)
    fees: list[float] = []
    for chan in graph.channels:
        peers[chan.node1].add(chan.node2)
        peers[chan.node2].add(chan.node1)
        capacities[chan.node1].append(chan.capacity_sat)
        capacities[chan.node2].append(chan.capacity_sat)
        for policy in (chan.node1_policy, chan.node2_policy):
            if policy is not None and not policy.disabled:
                fees.append(float(policy.fee_rate_ppm))
    dependents: dict[str, int] = defaultdict(int)
    for node, node_peers in peers.items():
        if len(node_peers) == 1:
            (only,) = node_peers
            if only != node:
                dependents[only] += 1
    return GraphFacts(
        dependents=dict(dependents),
        median_channel_capacity_sat={node: median(caps) for node, caps in capacities.items()},
        enabled_fee_rates_ppm=tuple(sorted(fees)),
    )


def build_context(metrics: Iterable[NodeMetrics], graph: Graph | None = None) -> ScoringContext:
    """Sort every ranked metric once. With ``graph``, fee medians come from every enabled
    half-policy (as operators quote them); without it (or without policies in it), from the
    nodes' own medians."""
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
    return ScoringContext(
        node_count=len(rows),
        distributions=distributions,
        network_median_fee_ppm=median(fees) if fees else None,
        network_p90_fee_ppm=fees[min(len(fees) - 1, int(0.9 * len(fees)))] if fees else None,
        facts=facts,
    )
