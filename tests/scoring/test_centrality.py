from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lnpilot.errors import InvalidInputError
from lnpilot.scoring.context import build_context
from lnpilot.scoring.heuristics import centrality
from tests.scoring.scoring_builders import metrics, pubkey, view


def _graph_metrics(values: list[float]) -> list:
    return [
        metrics(pubkey(i), betweenness_norm=v, routing_betweenness_norm=v, closeness=v, pagerank=v)
        for i, v in enumerate(values)
    ]


def test_hand_computed_percentiles() -> None:
    rows = _graph_metrics([0.0, 0.0, 1.0, 3.0])
    ctx = build_context(rows)
    # Top node: 3 below, 0 ties besides itself -> (3 + 4) / 8 = 0.875 on every measure.
    top = centrality.score_node(rows[3], ctx)
    assert top.score == pytest.approx(87.5)
    # The two zeros tie: (0 + 2) / 8 = 0.25.
    assert centrality.score_node(rows[0], ctx).score == pytest.approx(25.0)
    assert centrality.score_node(rows[2], ctx).score == pytest.approx(62.5)
    assert top.components["betweenness"] == pytest.approx(0.875)
    assert "percentile" in top.reason


def test_mixed_measures_are_weighted() -> None:
    rows = _graph_metrics([0.0, 1.0])
    # Node 0 is top on betweenness only: 0.35 * 0.75 + 0.65 * 0.25 = 0.425.
    rows[0] = metrics(
        pubkey(0), betweenness_norm=2.0, routing_betweenness_norm=0.0, closeness=0.0, pagerank=0.0
    )
    ctx = build_context(rows)
    assert centrality.score_node(rows[0], ctx).score == pytest.approx(42.5)


def test_equal_everywhere_is_the_middle() -> None:
    rows = _graph_metrics([0.5] * 5)
    ctx = build_context(rows)
    assert {centrality.score_node(r, ctx).score for r in rows} == {50.0}


def test_channel_needs_peer_metrics_and_context() -> None:
    rows = _graph_metrics([0.0, 1.0])
    ctx = build_context(rows)
    missing_peer = centrality.score_channel(view(), ctx)
    assert missing_peer.score is None and "peer" in missing_peer.reason
    no_ctx = centrality.score_channel(view(peer_metrics=rows[1]))
    assert no_ctx.score is None and "context" in no_ctx.reason
    assert centrality.score_channel(view(peer_metrics=rows[1]), ctx).score == pytest.approx(75.0)


def test_empty_graph_is_an_error() -> None:
    with pytest.raises(InvalidInputError):
        build_context([])


values = st.floats(min_value=0, max_value=1, allow_nan=False)


@given(st.lists(values, min_size=1, max_size=30), values)
def test_bounds_and_monotone_in_betweenness(others: list[float], mine: float) -> None:
    rows = _graph_metrics([*others, mine])
    ctx = build_context(rows)
    for row in rows:
        score = centrality.score_node(row, ctx).score
        assert score is not None and 0 <= score <= 100
    me = rows[-1]
    higher = metrics(
        me.pub_key,
        betweenness_norm=min(1.0, mine + 0.1),
        routing_betweenness_norm=mine,
        closeness=mine,
        pagerank=mine,
    )
    ctx_higher = build_context([*rows[:-1], higher])
    before = centrality.score_node(me, ctx).score
    after = centrality.score_node(higher, ctx_higher).score
    assert before is not None and after is not None and after >= before
