"""Scores on the shared real snapshots: every column varies, and the known hubs rank near the top."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from lnpilot.domain.graph import Graph
from lnpilot.domain.metrics import NodeMetrics
from lnpilot.scoring.profiles import BALANCED, BUILTIN_PROFILES, parse_profile
from lnpilot.scoring.ranking import CHANNEL_ONLY, RankedNode, ranking_rows, score_graph
from tests.conftest import shared_file

graph_metrics = pytest.importorskip("lnpilot.graph.metrics", reason="graph metrics not available")
ingest = pytest.importorskip("lnpilot.graph.ingest", reason="graph ingestion not available")

ACINQ = "03864ef025fde8fb587d989186ce6a4a186895ee44a926bfc370e2c366597a3f8f"
ONE_ML = "0217890e3aad8d35bc054f43acc00084b25229ecff0ab68debd82883ad65ee8266"
COINGATE = "0242a4ae0c5bef18048fbecf995094b74bfb0f7391418d71ed394784373f41e4f3"
BFX0 = "033d8656219478701227199cbd6f670335c8d408a92ae88b962c49d4dc0e83e025"
BFX1 = "03cde60a6323f7122d5178255766e38114b4722ede08f7c9e0c5df9b912cc201d6"
OPENNODE = "03abf6f44c355dec0d5aa155bdbdd6e0c8fefe318eff402de65c6eb2e1be55dc3e"
NODE_COLUMNS = (
    "composite",
    "centrality",
    "competitiveness",
    "age_stability",
    "peer_quality",
    "network_position",
)

Loaded = tuple[Graph, Mapping[str, NodeMetrics], list[RankedNode]]


def _load(name: str) -> Loaded:
    graph = ingest.load_graph(shared_file("data", "graphs", name)).graph
    metrics = graph_metrics.compute_metrics(graph)
    return graph, metrics, score_graph(graph, metrics, BALANCED)


@pytest.fixture(scope="module")
def cln_2021() -> Loaded:
    return _load("cln_listchannels_2021-04-16.json.gz")


@pytest.fixture(scope="module")
def lnd_2025() -> Loaded:
    return _load("describegraph_sample200_2025-10-25.json.gz")


def _assert_columns_vary(ranked: list[RankedNode]) -> None:
    rows = ranking_rows(ranked)
    for column in NODE_COLUMNS:
        values = {row[column] for row in rows}
        assert len(values) > 1, f"{column} is constant: {values}"
        assert "" not in values or column != "composite"
    for column in CHANNEL_ONLY:
        assert {row[column] for row in rows} == {""}, column
    assert [r.rank for r in ranked] == list(range(1, len(ranked) + 1))


def test_2021_every_column_varies(cln_2021: Loaded) -> None:
    _, metrics, ranked = cln_2021
    assert len(ranked) == len(metrics) >= 8000
    _assert_columns_vary(ranked)


def test_2021_top_of_the_ranking_is_hubs(cln_2021: Loaded) -> None:
    _, metrics, ranked = cln_2021
    n = len(ranked)
    by_betweenness = sorted(metrics, key=lambda k: -metrics[k].betweenness_norm)
    by_capacity = sorted(metrics, key=lambda k: -metrics[k].total_capacity_sat)
    hubs = set(by_betweenness[: n // 50]) | set(by_capacity[: n // 50])
    # The top 20 by composite are all among the 2 % most central or biggest nodes.
    top20 = [r.pub_key for r in ranked[:20]]
    assert set(top20) <= hubs, [k[:10] for k in top20 if k not in hubs]
    rank = {r.pub_key: r.rank for r in ranked}
    # 1ML and CoinGate: top-5 betweenness, 1 ppm fees, pass every gate.
    assert rank[ONE_ML] <= 10 and rank[COINGATE] <= 10
    assert rank[BFX0] <= 50  # third-largest capacity, 10 ppm
    # ACINQ: the biggest node, but it charged 500 ppm (6.7x the capacity-weighted median).
    assert rank[ACINQ] <= n // 10


def test_2021_without_price_the_best_known_hubs_are_the_top_percent(cln_2021: Loaded) -> None:
    graph, metrics, _ = cln_2021
    position_only = parse_profile("position", {"weights": {"competitiveness": 0}})
    rank = {r.pub_key: r.rank for r in score_graph(graph, metrics, position_only)}
    hubs = (ACINQ, ONE_ML, COINGATE, BFX0, BFX1, OPENNODE)
    assert all(rank[k] <= len(metrics) // 100 for k in hubs), {k[:10]: rank[k] for k in hubs}
    assert rank[ACINQ] <= 5


def test_2021_profiles_rank_differently(cln_2021: Loaded) -> None:
    graph, metrics, ranked = cln_2021
    conservative = score_graph(graph, metrics, BUILTIN_PROFILES["conservative"])
    rank_c = {r.pub_key: r.rank for r in conservative}
    rank_b = {r.pub_key: r.rank for r in ranked}
    # Conservative weighs price less and pedigree more: the 500-ppm ACINQ climbs.
    assert rank_c[ACINQ] < rank_b[ACINQ]
    assert [r.pub_key for r in conservative[:50]] != [r.pub_key for r in ranked[:50]]


def test_2025_sample_every_column_varies_and_hubs_lead(lnd_2025: Loaded) -> None:
    _, _, ranked = lnd_2025
    _assert_columns_vary(ranked)
    top5 = {r.alias for r in ranked[:5]}
    assert "ACINQ" in top5
    assert {"bfx-lnd0", "bfx-lnd1"} & top5


def test_lnd_testdata_graph_scores() -> None:
    graph = ingest.load_graph(shared_file("data", "graphs", "lnd_testdata_basic_graph.json")).graph
    ranked = score_graph(graph, graph_metrics.compute_metrics(graph), BALANCED)
    assert len(ranked) == len(graph.nodes)
    assert all(r.score.composite is not None and 0 <= r.score.composite <= 100 for r in ranked)
    assert ranked[0].gates_failed == ()
