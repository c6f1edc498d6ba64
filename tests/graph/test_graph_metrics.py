"""Per-node metrics and whole-graph stats, each against networkx or a hand count."""

from __future__ import annotations

import math

import networkx as nx
import pytest
from hypothesis import given, settings
from networkx.algorithms.link_analysis.pagerank_alg import _pagerank_python

from lnpilot.domain.metrics import NodeMetrics
from lnpilot.graph import centrality
from lnpilot.graph.metrics import (
    METRIC_NAMES,
    UnknownMetricError,
    compute_metrics,
    metric_columns,
    parse_metric_names,
)
from lnpilot.graph.stats import graph_stats
from tests.conftest import shared_file
from tests.graph.graph_builders import fringed_graphs, key, make_graph, policy, to_networkx


@settings(max_examples=100, deadline=None)
@given(fringed_graphs())
def test_closeness_and_pagerank_equal_networkx(case: tuple[int, list[tuple[int, int]]]) -> None:
    # networkx.pagerank needs scipy; its pure-Python power iteration is the same algorithm
    n, edges = case
    keys, columns = metric_columns(
        make_graph(n, edges), ["closeness", "pagerank", "degree", "betweenness_norm"]
    )
    reference = to_networkx(n, edges)
    harmonic = nx.harmonic_centrality(reference)
    rank = _pagerank_python(reference, alpha=0.85, tol=1e-13, max_iter=10_000)
    between = nx.betweenness_centrality(reference, normalized=True)
    for i, node in enumerate(keys):
        expected_closeness = harmonic[node] / (n - 1) if n > 1 else 0.0
        assert math.isclose(columns["closeness"][i], expected_closeness, rel_tol=1e-9, abs_tol=1e-12)  # type: ignore[arg-type]
        assert math.isclose(columns["pagerank"][i], rank[node], rel_tol=1e-6)  # type: ignore[arg-type]
        assert columns["degree"][i] == reference.degree(node)
        if n > 2:
            assert math.isclose(columns["betweenness_norm"][i], between[node], rel_tol=1e-9, abs_tol=1e-12)  # type: ignore[arg-type]


def test_harmonic_kernel_runs_uncompiled(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("_harmonic_sums", "_leaf_parents"):
        monkeypatch.setattr(centrality, name, getattr(centrality, name).py_func)
    edges = [(0, 1), (1, 2), (3, 4), (1, 5), (5, 2), (2, 6)]
    keys, columns = metric_columns(make_graph(7, edges), ["closeness"])
    harmonic = nx.harmonic_centrality(to_networkx(7, edges))
    assert columns["closeness"] == pytest.approx([harmonic[k] / 6 for k in keys])


def test_fee_age_and_capacity_figures_by_hand() -> None:
    edges = [(0, 1), (0, 1), (0, 2), (1, 2)]
    pols = [
        (policy(fee_rate_ppm=10), policy(fee_rate_ppm=500)),
        (policy(fee_rate_ppm=30), None),
        (policy(fee_rate_ppm=99, disabled=True), policy(fee_rate_ppm=7)),
        (None, None),
    ]
    graph = make_graph(4, edges, pols)  # node 3 has no channel
    m = compute_metrics(graph)
    zero = m[key(0)]
    assert (zero.degree, zero.channel_count, zero.total_capacity_sat) == (2, 3, 3_000_000)
    assert zero.median_out_fee_ppm == 20.0  # 10 and 30; the disabled 99 does not count
    assert zero.median_in_fee_ppm == 253.5  # 500 and 7
    assert zero.disabled_share == pytest.approx(1 / 3)
    # funding blocks 600000..600003, newest 600003: ages 3, 2, 1
    assert zero.mean_channel_age_blocks == 2.0
    one = m[key(1)]
    assert one.median_out_fee_ppm == 500.0 and one.disabled_share == 0.0
    assert one.median_in_fee_ppm == 20.0
    lonely = m[key(3)]
    assert lonely == NodeMetrics(
        pub_key=key(3), degree=0, channel_count=0, total_capacity_sat=0, betweenness=0.0,
        betweenness_norm=0.0, routing_betweenness=0.0, routing_betweenness_norm=0.0, closeness=0.0,
        pagerank=lonely.pagerank, median_out_fee_ppm=None, median_in_fee_ppm=None,
        disabled_share=None, mean_channel_age_blocks=None,
    )  # fmt: skip
    assert lonely.pagerank == pytest.approx(_pagerank_python(to_networkx(4, edges), tol=1e-13)[key(3)])


def test_metric_names_are_checked() -> None:
    assert parse_metric_names(None) == METRIC_NAMES
    assert parse_metric_names(["pagerank", " degree", "pagerank"]) == ("pagerank", "degree")
    with pytest.raises(UnknownMetricError, match="unknown metric nope"):
        parse_metric_names(["degree", "nope"])
    with pytest.raises(UnknownMetricError, match="no metric"):
        parse_metric_names([" "])
    with pytest.raises(UnknownMetricError):
        compute_metrics(make_graph(2, [(0, 1)]), ["bogus"])


def test_progress_is_reported_per_metric() -> None:
    seen: list[str] = []
    metric_columns(make_graph(3, [(0, 1)]), ["degree", "pagerank"], progress=seen.append)
    assert seen == ["degree", "pagerank"]


def test_normalised_columns_divide_by_pair_counts() -> None:
    graph = make_graph(4, [(0, 1), (1, 2), (2, 3)])
    m = compute_metrics(graph)[key(1)]
    assert m.betweenness == 2.0 and m.betweenness_norm == pytest.approx(2 / 3)
    assert m.routing_betweenness_norm == pytest.approx(m.routing_betweenness / 6)


def test_stats_by_hand_and_on_the_sample() -> None:
    edges = [(0, 1), (1, 2), (2, 0), (2, 3), (4, 5)]
    pols = [(policy(fee_rate_ppm=r, disabled=r == 3), None) for r in (1, 2, 3, 4, 5)]
    stats = graph_stats(make_graph(7, edges, pols))
    assert (stats.nodes, stats.channels, stats.capacity_sat) == (7, 5, 5_000_000)
    assert (stats.components, stats.largest_component_nodes) == (3, 4)
    assert (stats.leaves, stats.isolated_nodes) == (3, 1)
    assert (stats.policies, stats.disabled_policies) == (5, 1)
    assert stats.median_fee_rate_ppm == 3.0 and stats.median_base_fee_msat == 1000.0
    empty = graph_stats(make_graph(0, []))
    assert empty.median_fee_rate_ppm is None and empty.largest_component_nodes == 0
    from lnpilot.graph.ingest import load_graph

    sample = graph_stats(
        load_graph(shared_file("data", "graphs", "describegraph_sample200_2025-10-25.json.gz")).graph
    )
    assert sample.as_dict()["nodes"] == 197 and sample.channels == 1279


def test_empty_graph_and_endpoints_missing_from_the_node_map() -> None:
    assert compute_metrics(make_graph(0, [])) == {}
    graph = make_graph(2, [(0, 1), (1, 2)])  # key(2) appears only as a channel endpoint
    metrics = compute_metrics(graph)
    assert set(metrics) == {key(0), key(1), key(2)}
    assert metrics[key(1)].betweenness == 1.0 and metrics[key(2)].channel_count == 1
