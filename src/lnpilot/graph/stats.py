"""Whole-graph summary for ``lnpilot graph stats``."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from statistics import median

import numpy as np

from lnpilot.domain.graph import Graph
from lnpilot.graph.brandes import components
from lnpilot.graph.topology import build_topology


@dataclass(frozen=True, slots=True)
class GraphStats:
    nodes: int
    channels: int
    capacity_sat: int
    components: int  # connected components, isolated nodes included
    largest_component_nodes: int
    leaves: int  # nodes with exactly one distinct peer
    isolated_nodes: int
    policies: int  # published half-policies
    disabled_policies: int
    median_fee_rate_ppm: float | None  # over enabled half-policies; None when there are none
    median_base_fee_msat: float | None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def graph_stats(graph: Graph) -> GraphStats:
    topo = build_topology(graph)
    degree = topo.degree
    label, size = components(topo.indptr, topo.indices)
    policies = [p for c in graph.channels for p in (c.node1_policy, c.node2_policy) if p is not None]
    enabled = [p for p in policies if not p.disabled]
    return GraphStats(
        nodes=topo.n,
        channels=len(graph.channels),
        capacity_sat=graph.total_capacity_sat,
        components=len(np.unique(label)),
        largest_component_nodes=int(size.max()) if topo.n else 0,
        leaves=int((degree == 1).sum()),
        isolated_nodes=int((degree == 0).sum()),
        policies=len(policies),
        disabled_policies=len(policies) - len(enabled),
        median_fee_rate_ppm=float(median(p.fee_rate_ppm for p in enabled)) if enabled else None,
        median_base_fee_msat=float(median(p.base_fee_msat for p in enabled)) if enabled else None,
    )
