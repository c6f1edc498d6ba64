"""Fee-weighted routing betweenness against a brute-force count of all cheapest routes."""

from __future__ import annotations

import math
from collections import defaultdict

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lnpilot.domain.graph import Graph, RoutingPolicy
from lnpilot.graph import routing
from lnpilot.graph.metrics import metric_columns
from lnpilot.graph.topology import node_index
from tests.graph.graph_builders import key, make_graph, policy

AMOUNT_MSAT = routing.REFERENCE_AMOUNT_SAT * 1000


def brute_force(graph: Graph) -> dict[str, float]:
    """Enumerate every cheapest route with networkx; the sender's own first hop is free."""
    usable = nx.DiGraph()
    usable.add_nodes_from(graph.nodes)
    for c in graph.channels:
        if c.capacity_sat < routing.REFERENCE_AMOUNT_SAT:
            continue
        for a, p in ((c.node1, c.node1_policy), (c.node2, c.node2_policy)):
            if p is None or p.disabled or p.min_htlc_msat > AMOUNT_MSAT or 0 < p.max_htlc_msat < AMOUNT_MSAT:
                continue
            b = c.other(a)
            cost = p.fee_msat(AMOUNT_MSAT) + routing.HOP_MSAT
            if not usable.has_edge(a, b) or usable[a][b]["w"] > cost:
                usable.add_edge(a, b, w=cost)
    result: dict[str, float] = defaultdict(float)
    for s in usable:
        per_source = usable.copy()
        for b in per_source.successors(s):
            per_source[s][b]["w"] = routing.HOP_MSAT
        for t in usable:
            if t == s or not nx.has_path(per_source, s, t):
                continue
            paths = list(nx.all_shortest_paths(per_source, s, t, weight="w"))
            for path in paths:
                for v in path[1:-1]:
                    result[v] += 1 / len(paths)
    return {node: result[node] for node in graph.nodes}


policies = st.one_of(
    st.none(),
    st.builds(
        RoutingPolicy,
        base_fee_msat=st.sampled_from([0, 0, 1000, 2500]),
        fee_rate_ppm=st.sampled_from([0, 1, 10, 100, 1000, 5000]),
        time_lock_delta=st.just(40),
        min_htlc_msat=st.sampled_from([1000, 1000, 200_000_000]),
        max_htlc_msat=st.sampled_from([0, 1_000_000_000, 50_000_000]),
        disabled=st.booleans(),
    ),
)


@st.composite
def fee_graphs(draw: st.DrawFn) -> Graph:
    n = draw(st.integers(1, 8))
    pairs = st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))
    edges = draw(st.lists(pairs, max_size=16))
    pols = draw(st.lists(st.tuples(policies, policies), min_size=len(edges), max_size=len(edges)))
    capacity = draw(st.sampled_from([1_000_000, 1_000_000, 50_000]))
    return make_graph(n, edges, pols, capacity_sat=capacity)


def ours(graph: Graph) -> dict[str, float]:
    keys, columns = metric_columns(graph, ["routing_betweenness"])
    return dict(zip(keys, columns["routing_betweenness"], strict=True))  # type: ignore[arg-type]


def assert_close(a: dict[str, float], b: dict[str, float]) -> None:
    assert a.keys() == b.keys()
    for node in a:
        assert math.isclose(a[node], b[node], rel_tol=1e-9, abs_tol=1e-9), (node, a[node], b[node])


@settings(max_examples=150, deadline=None)
@given(fee_graphs())
def test_routing_betweenness_equals_brute_force(graph: Graph) -> None:
    assert_close(ours(graph), brute_force(graph))


def test_cheap_detour_beats_expensive_direct_hop() -> None:
    # 0 -> 1 -> 3 costs node 1's 5000 ppm; 0 -> 2 -> 4 -> 3 costs nodes 2 and 4 1 ppm each
    pricey, cheap = policy(fee_rate_ppm=5000, base_fee_msat=0), policy(fee_rate_ppm=1, base_fee_msat=0)
    edges = [(0, 1), (1, 3), (0, 2), (2, 4), (4, 3)]
    pols = [(cheap, cheap), (pricey, pricey), (cheap, cheap), (cheap, cheap), (cheap, cheap)]
    result = ours(make_graph(5, edges, pols))
    assert result[key(2)] > result[key(1)]
    assert result == pytest.approx(brute_force(make_graph(5, edges, pols)))


def test_no_usable_direction_gives_zeros() -> None:
    graph = make_graph(3, [(0, 1), (1, 2)], [(None, None), (policy(disabled=True), None)])
    assert set(ours(graph).values()) == {0.0}


def test_plain_python_kernel_agrees(monkeypatch: pytest.MonkeyPatch) -> None:
    graph = make_graph(6, [(0, 1), (1, 2), (2, 3), (3, 0), (1, 4), (4, 5), (5, 2), (0, 2)])
    compiled = routing.routing_betweenness(graph, node_index(graph)[1])
    for name in ("dijkstra_brandes", "_sift_up", "_sift_down"):
        monkeypatch.setattr(routing, name, getattr(routing, name).py_func)
    plain = routing.routing_betweenness(graph, node_index(graph)[1])
    assert np.allclose(compiled, plain, rtol=1e-12)
    assert_close(dict(zip(graph.nodes, plain.tolist(), strict=True)), brute_force(graph))


def test_star_of_leaves_in_every_direction() -> None:
    # hub 0 with leaves 1..4 (pay only, paid only, both, neither) and a cycle 0-5-6-0 behind it
    enabled = policy(fee_rate_ppm=50)
    pols = [(None, enabled), (enabled, None), (enabled, enabled), (None, None)]
    pols += [(enabled, enabled)] * 3
    edges = [(0, 1), (0, 2), (0, 3), (0, 4), (0, 5), (5, 6), (6, 0)]
    graph = make_graph(7, edges, pols)
    result = ours(graph)
    assert_close(result, brute_force(graph))
    assert result[key(0)] > 0 and result[key(1)] == 0.0
