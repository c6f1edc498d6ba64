"""Per-node metrics of the public graph (computed by ``lnpilot.graph``, read by scoring and the API).

A metric that could not be measured is ``None``, never a placeholder number.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class NodeMetrics:
    pub_key: str
    degree: int  # distinct peers
    channel_count: int
    total_capacity_sat: int
    betweenness: float  # raw, undirected, unweighted, each unordered pair counted once
    betweenness_norm: float  # betweenness / ((n-1)(n-2)/2)
    routing_betweenness: float  # shortest paths by fee of a reference 100,000-sat payment
    routing_betweenness_norm: float
    closeness: float  # harmonic centrality, normalised by (n-1)
    pagerank: float
    median_out_fee_ppm: float | None  # None: the node publishes no enabled policy
    median_in_fee_ppm: float | None
    disabled_share: float | None  # share of this node's half-policies that are disabled
    mean_channel_age_blocks: float | None  # relative to the newest channel in the snapshot
