from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lnpilot.domain.graph import Graph, GraphChannel, GraphNode
from lnpilot.scoring.context import build_context
from lnpilot.scoring.heuristics import network_position
from tests.scoring.scoring_builders import metrics, pubkey, view


def test_channel_unavailable_without_reach() -> None:
    result = network_position.score_channel(view(parallel_channels=2))
    assert result.score is None and "reach" in result.reason
    assert result.components["uniqueness"] == pytest.approx(1 / 3)
    assert network_position.score_channel(view(reach_lost_nodes=0, reach_total_nodes=0)).score is None


def test_channel_hand_computed() -> None:
    # 25 of 100 nodes lost -> sqrt(0.25) = 0.5; one parallel channel -> 0.5 -> 0.7*0.5 + 0.3*0.5
    result = network_position.score_channel(
        view(reach_lost_nodes=25, reach_total_nodes=100, parallel_channels=1)
    )
    assert result.score == pytest.approx(50.0)
    assert "loses 25 of 100" in result.reason


def _star() -> tuple[Graph, list]:
    # Hub 0 with leaves 1..3 and a link to 4; 4 also links to 5, which links to 0.
    edges = [(0, 1), (0, 2), (0, 3), (0, 4), (4, 5), (5, 0)]
    nodes = {pubkey(i): GraphNode(pubkey(i), alias=f"n{i}") for i in range(6)}
    chans = tuple(
        GraphChannel((700_000 + k) << 40, pubkey(a), pubkey(b), 1_000_000, None, None)
        for k, (a, b) in enumerate(edges)
    )
    degree = {i: sum(i in e for e in edges) for i in range(6)}
    rows = [metrics(pubkey(i), degree=degree[i], channel_count=degree[i]) for i in range(6)]
    return Graph(nodes, chans), rows


def test_node_dependents_and_hub() -> None:
    graph, rows = _star()
    ctx = build_context(rows, graph)
    assert ctx.facts is not None and ctx.facts.dependents == {pubkey(0): 3}
    hub = network_position.score_node(rows[0], ctx)
    # degree 5 and dependents 3 are each the unique top: percentile (5+6)/12, magnitude 1
    assert hub.score == pytest.approx(100 * (0.5 * 11 / 12 + 0.5))
    assert "3 of them connected only through this node" in hub.reason
    leaf = network_position.score_node(rows[1], ctx).score
    assert leaf is not None and leaf < hub.score


def test_node_needs_the_graph() -> None:
    _, rows = _star()
    result = network_position.score_node(rows[0], build_context(rows))
    assert result.score is None and "graph" in result.reason


@settings(deadline=None)
@given(st.integers(0, 1000), st.integers(0, 1000), st.integers(1, 1000), st.integers(0, 5))
def test_more_reach_lost_never_lowers(a: int, b: int, total: int, parallel: int) -> None:
    low, high = sorted((min(a, total), min(b, total)))
    s_low = network_position.score_channel(
        view(reach_lost_nodes=low, reach_total_nodes=total, parallel_channels=parallel)
    ).score
    s_high = network_position.score_channel(
        view(reach_lost_nodes=high, reach_total_nodes=total, parallel_channels=parallel)
    ).score
    more_parallel = network_position.score_channel(
        view(reach_lost_nodes=high, reach_total_nodes=total, parallel_channels=parallel + 1)
    ).score
    assert s_low is not None and s_high is not None and more_parallel is not None
    assert 0 <= s_low <= s_high <= 100
    assert more_parallel <= s_high
    assert not math.isnan(s_high)
