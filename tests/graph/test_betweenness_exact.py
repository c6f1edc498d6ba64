"""Betweenness equals networkx's exact values, on generated and on real graphs."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings

from lnpilot.graph import brandes
from lnpilot.graph.ingest import load_graph
from lnpilot.graph.metrics import betweenness
from lnpilot.graph.topology import build_topology
from tests.conftest import shared_file
from tests.graph.graph_builders import fringed_graphs, key, make_graph, to_networkx

REL = 1e-9


def assert_close(ours: dict[str, float], reference: dict[str, float]) -> None:
    assert ours.keys() == reference.keys()
    for node, value in reference.items():
        assert math.isclose(ours[node], value, rel_tol=REL, abs_tol=1e-9), (node, ours[node], value)


@settings(max_examples=300, deadline=None)
@given(fringed_graphs())
def test_betweenness_equals_networkx_on_generated_graphs(case: tuple[int, list[tuple[int, int]]]) -> None:
    n, edges = case
    graph = make_graph(n, edges)
    assert_close(betweenness(graph), nx.betweenness_centrality(to_networkx(n, edges), normalized=False))


def test_path_star_and_cycle_by_hand() -> None:
    # path 0-1-2-3: node 1 lies on (0,2), (0,3); node 2 on (0,3), (1,3)
    assert betweenness(make_graph(4, [(0, 1), (1, 2), (2, 3)])) == {
        key(0): 0,
        key(1): 2,
        key(2): 2,
        key(3): 0,
    }
    star = betweenness(make_graph(5, [(0, i) for i in range(1, 5)]))
    assert star[key(0)] == 6  # C(4, 2) pairs of leaves
    cycle = betweenness(make_graph(5, [(i, (i + 1) % 5) for i in range(5)]))
    assert all(math.isclose(v, 1.0) for v in cycle.values())


def test_leaf_stripping_shrinks_a_tree_component_to_one_vertex() -> None:
    topo = build_topology(make_graph(6, [(0, 1), (1, 2), (1, 3), (3, 4), (4, 5)]))
    removed, parent, weight = brandes.strip_leaves(topo.indptr, topo.indices)
    assert removed.sum() == 5
    (root,) = np.flatnonzero(~removed)
    assert weight[root] == 6
    assert all(parent[v] >= 0 for v in np.flatnonzero(removed))


def test_plain_python_kernels_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    """The kernels run uncompiled too (coverage cannot see inside numba) and give the same values."""
    for name in (
        "strip_leaves",
        "components",
        "tree_credit",
        "core_csr",
        "hub_order",
        "permute",
        "weighted_brandes",
    ):
        monkeypatch.setattr(brandes, name, getattr(brandes, name).py_func)
    edges = [(0, 1), (1, 2), (2, 0), (2, 3), (3, 4), (4, 2), (4, 5), (5, 6), (5, 7), (0, 8), (9, 10)]
    graph = make_graph(12, edges)
    assert_close(betweenness(graph), nx.betweenness_centrality(to_networkx(12, edges), normalized=False))


def test_betweenness_of_the_2025_sample_equals_networkx() -> None:
    graph = load_graph(shared_file("data", "graphs", "describegraph_sample200_2025-10-25.json.gz")).graph
    reference = nx.Graph()
    reference.add_nodes_from(graph.nodes)
    reference.add_edges_from((c.node1, c.node2) for c in graph.channels)
    assert_close(betweenness(graph), nx.betweenness_centrality(reference, normalized=False))


@pytest.mark.slow
def test_betweenness_of_the_2021_mainnet_graph_equals_igraph() -> None:
    """networkx takes minutes on 8,827 nodes; igraph's exact Brandes is the reference here."""
    import igraph as ig

    graph = load_graph(shared_file("data", "graphs", "cln_listchannels_2021-04-16.json.gz")).graph
    topo = build_topology(graph)
    rows = np.repeat(np.arange(topo.n), np.diff(topo.indptr))
    upper = rows < topo.indices
    reference = ig.Graph(n=topo.n, edges=np.column_stack([rows[upper], topo.indices[upper]]).tolist())
    expected = reference.betweenness(directed=False)
    ours = brandes.betweenness_raw(topo.indptr, topo.indices)
    assert np.allclose(ours, expected, rtol=REL, atol=1e-9)


def test_twin_classes_with_trees_hanging_from_them() -> None:
    # 0 and 1 share the neighbours {2, 3, 4} (type I); 5 and 6 share the closed neighbourhood
    # {2, 5, 6, 7} (type II); the hanging trees give the twins different weights
    edges = [(0, 2), (0, 3), (0, 4), (1, 2), (1, 3), (1, 4), (2, 5), (2, 6), (5, 6), (5, 7), (6, 7), (7, 2)]
    edges += [(0, 8), (8, 9), (1, 10), (5, 11), (3, 12)]
    graph = make_graph(13, edges)
    assert_close(betweenness(graph), nx.betweenness_centrality(to_networkx(13, edges), normalized=False))


def test_twin_plan_finds_both_kinds() -> None:
    from lnpilot.graph.twins import plan_twins

    # a 4-cycle 0-1-2-3: 0 and 2 are type-I twins, as are 1 and 3; K3 on 4-5-6: all type-II twins
    topo = build_topology(make_graph(7, [(0, 1), (1, 2), (2, 3), (3, 0), (4, 5), (5, 6), (6, 4)]))
    plan = plan_twins(topo.indptr, topo.indices, np.ones(7))
    assert len(plan.sources) == 3 and sorted(plan.source_weight) == [2.0, 2.0, 3.0]
    assert plan.pair_credit.tolist() == [1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0]
