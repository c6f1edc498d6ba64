from __future__ import annotations

import pytest

from lnpilot.domain.graph import Graph, GraphChannel, GraphNode
from lnpilot.domain.scores import HEURISTICS
from lnpilot.scoring.context import build_context
from lnpilot.scoring.profiles import BALANCED
from lnpilot.scoring.ranking import CSV_COLUMNS, HealthGates, failed_gates, ranking_rows, score_graph
from tests.scoring.scoring_builders import metrics, pubkey


def _graph() -> tuple[Graph, dict]:
    # Node 0: a hub with 4 big channels; 1-3 mid nodes; 4 a leaf with one small channel.
    edges = [(0, 1, 2_000_000), (0, 2, 2_000_000), (0, 3, 2_000_000), (1, 2, 1_000_000), (2, 3, 1_000_000)]
    edges += [(1, 3, 1_000_000), (0, 4, 100_000)]
    nodes = {pubkey(i): GraphNode(pubkey(i), alias=f"node{i}") for i in range(5)}
    chans = tuple(
        GraphChannel((700_000 + k) << 40, pubkey(a), pubkey(b), cap, None, None)
        for k, (a, b, cap) in enumerate(edges)
    )
    deg = {i: sum(i in e[:2] for e in edges) for i in range(5)}
    caps = {i: sum(e[2] for e in edges if i in e[:2]) for i in range(5)}
    rows = {
        pubkey(i): metrics(
            pubkey(i),
            degree=deg[i],
            channel_count=deg[i],
            total_capacity_sat=caps[i],
            betweenness_norm=float(deg[i] - 1),
            routing_betweenness_norm=float(deg[i] - 1),
            closeness=deg[i] / 4,
            pagerank=deg[i] / 14,
            mean_channel_age_blocks=float(1000 * deg[i]),
            median_out_fee_ppm=float(10 * (i + 1)),
        )
        for i in range(5)
    }
    return Graph(nodes, chans, taken_at=1_700_000_000), rows


def test_hub_ranks_first_and_leaf_fails_gates() -> None:
    graph, rows = _graph()
    ranked = score_graph(graph, rows, BALANCED)
    assert [r.rank for r in ranked] == [1, 2, 3, 4, 5]
    assert ranked[0].pub_key == pubkey(0) and ranked[0].alias == "node0"
    assert ranked[-1].pub_key == pubkey(4)
    assert set(ranked[-1].gates_failed) == {"channels", "channel_size"}
    assert ranked[0].gates_failed == ()
    for r in ranked:
        assert r.score.coverage == pytest.approx(0.45)  # 1 - liquidity, activity, reliability
        assert r.score.computed_at == graph.taken_at
        for name in ("liquidity", "activity", "reliability"):
            assert r.score.score_of(name) is None
        assert "not applicable" in r.score.heuristics["liquidity"].reason


def test_gates() -> None:
    graph, rows = _graph()
    ctx = build_context(rows.values(), graph)
    offline = metrics(pubkey(1), disabled_share=0.9, channel_count=5)
    unknown = metrics(pubkey(1), disabled_share=None, channel_count=5)
    assert failed_gates(offline, ctx, HealthGates()) == ("online",)
    assert failed_gates(unknown, ctx, HealthGates()) == ("online",)
    assert failed_gates(rows[pubkey(4)], ctx, HealthGates(min_channels=1, min_median_channel_share=0)) == ()


def test_gate_failure_outranks_composite() -> None:
    graph, rows = _graph()
    rows[pubkey(0)] = metrics(**{**_fields(rows[pubkey(0)]), "disabled_share": 1.0})
    ranked = score_graph(graph, list(rows.values()), BALANCED)
    hub = next(r for r in ranked if r.pub_key == pubkey(0))
    assert hub.gates_failed == ("online",)
    assert all(r.gates_failed for r in ranked[ranked.index(hub) :])


def _fields(m: object) -> dict:
    return {name: getattr(m, name) for name in m.__slots__}  # type: ignore[attr-defined]


def test_rows_leave_inapplicable_heuristics_empty() -> None:
    graph, rows = _graph()
    table = ranking_rows(score_graph(graph, rows, BALANCED))
    assert list(table[0]) == list(CSV_COLUMNS)
    assert (
        CSV_COLUMNS[:3] == ("pub_key", "alias", "composite")
        and CSV_COLUMNS[3 : 3 + len(HEURISTICS)] == HEURISTICS
    )
    assert table[0]["liquidity"] == "" and table[0]["centrality"] != ""
    assert table[-1]["gates_failed"] == "channels channel_size"
    assert table[0]["rank"] == "1"
    # Every applicable column varies across nodes.
    for name in (
        "composite",
        "centrality",
        "competitiveness",
        "age_stability",
        "peer_quality",
        "network_position",
    ):
        assert len({row[name] for row in table}) > 1, name


def test_network_fees_come_from_enabled_half_policies() -> None:
    from tests.scoring.scoring_builders import policy

    graph, rows = _graph()
    fees = iter([(5, 7), (100, None), (9, 11), (13, 15), (17, 19), (21, 23), (25, 10_000)])
    chans = []
    for chan in graph.channels:
        a, b = next(fees)
        chans.append(
            GraphChannel(
                chan.chan_id,
                chan.node1,
                chan.node2,
                chan.capacity_sat,
                policy(a, disabled=a == 100),
                None if b is None else policy(b),
            )
        )
    ctx = build_context(rows, Graph(graph.nodes, tuple(chans)))
    # Enabled: 5 7 9 11 on 2M channels, 13-23 on 1M, 25 and 10000 on 100k (the disabled 100 is
    # left out): 14.2M in all, half reached at 11 ppm (2+2+2+2M). The count median would be 16.
    assert ctx.network_median_fee_ppm == pytest.approx(11.0)
    assert ctx.facts is not None and ctx.facts.capacity_weighted_fee_ppm == 11.0
    assert ctx.network_p90_fee_ppm == 25.0
    assert ctx.facts is not None and ctx.facts.median_channel_capacity_sat[pubkey(4)] == 100_000
