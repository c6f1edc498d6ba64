"""Small graphs for the graph tests: domain values from edge lists, and their networkx twins."""

from __future__ import annotations

from collections.abc import Sequence

import networkx as nx
from hypothesis import strategies as st

from lnpilot.domain.graph import Graph, GraphChannel, GraphNode, RoutingPolicy


def key(i: int) -> str:
    return "02" + f"{i:064x}"


def policy(fee_rate_ppm: int = 100, base_fee_msat: int = 1000, disabled: bool = False) -> RoutingPolicy:
    return RoutingPolicy(
        base_fee_msat=base_fee_msat,
        fee_rate_ppm=fee_rate_ppm,
        time_lock_delta=40,
        min_htlc_msat=1000,
        max_htlc_msat=1_000_000_000,
        disabled=disabled,
    )


def make_graph(
    n: int,
    edges: Sequence[tuple[int, int]],
    policies: Sequence[tuple[RoutingPolicy | None, RoutingPolicy | None]] | None = None,
    capacity_sat: int = 1_000_000,
) -> Graph:
    """Nodes 0..n-1 (pub_keys ``key(i)``); channel i joins ``edges[i]``, funded at block 600000 + i."""
    nodes = {key(i): GraphNode(key(i), alias=f"n{i}") for i in range(n)}
    channels = []
    for i, (a, b) in enumerate(edges):
        p1, p2 = policies[i] if policies is not None else (policy(), policy())
        chan_id = (600_000 + i) << 40 | i << 16
        channels.append(GraphChannel(chan_id, key(a), key(b), capacity_sat, p1, p2))
    return Graph(nodes=nodes, channels=tuple(channels))


def to_networkx(n: int, edges: Sequence[tuple[int, int]]) -> nx.Graph:
    g = nx.Graph()
    g.add_nodes_from(key(i) for i in range(n))
    g.add_edges_from((key(a), key(b)) for a, b in edges if a != b)
    return g


@st.composite
def fringed_graphs(
    draw: st.DrawFn, max_core: int = 9, max_fringe: int = 12
) -> tuple[int, list[tuple[int, int]]]:
    """A random core plus trees hanging off it, isolated nodes, parallel channels, self-loops.

    Several components arise whenever the core is sparse or a fringe node starts its own tree.
    """
    core = draw(st.integers(1, max_core))
    pairs = st.tuples(st.integers(0, core - 1), st.integers(0, core - 1))
    edges = draw(st.lists(pairs, max_size=core * 3))
    fringe = draw(st.integers(0, max_fringe))
    n = core + fringe
    for v in range(core, n):
        # attach to an earlier node (a tree grows), or stay alone (isolated or a new component)
        parent = draw(st.integers(-1, v - 1))
        if parent >= 0:
            edges.append((v, parent))
    if edges:
        edges += draw(st.lists(st.sampled_from(edges), max_size=3))  # parallel channels
    return n, edges
