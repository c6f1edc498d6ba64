from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
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


def _standing(pct: float, x: float, ref: float, top: float) -> float:
    """Half percentile, half log magnitude (``ScoringContext.standing``), by hand."""
    return 0.5 * pct + 0.5 * math.log1p(x / ref) / math.log1p(top / ref)


def test_hand_computed_standings() -> None:
    rows = _graph_metrics([0.0, 0.0, 1.0, 3.0])
    ctx = build_context(rows)
    # Positive values 1, 3: the reference is their median (upper) 3, the maximum 3.
    # Top node: percentile (3 + 4) / 8 = 0.875 on every measure, magnitude 1.
    top = centrality.score_node(rows[3], ctx)
    s3 = _standing(0.875, 3, 3, 3)
    assert top.score == pytest.approx(100 * (0.8 * s3 + 0.2 * 0.875))
    assert top.components["betweenness"] == pytest.approx(0.9375)
    assert top.components["closeness"] == pytest.approx(0.875)  # closeness: percentile only
    # The two zeros tie: (0 + 2) / 8 = 0.25, magnitude 0.
    assert centrality.score_node(rows[0], ctx).score == pytest.approx(100 * (0.8 * 0.125 + 0.2 * 0.25))
    s1 = _standing(0.625, 1, 3, 3)
    assert centrality.score_node(rows[2], ctx).score == pytest.approx(
        100 * (0.8 * s1 + 0.2 * 0.625), abs=1e-4
    )
    assert "standing" in top.reason


def test_mixed_measures_are_weighted() -> None:
    rows = _graph_metrics([0.0, 1.0])
    rows[0] = metrics(
        pubkey(0), betweenness_norm=2.0, routing_betweenness_norm=0.0, closeness=0.0, pagerank=0.0
    )
    ctx = build_context(rows)
    # Node 0 tops betweenness only (standing 0.875); elsewhere it is the bottom (0.125, closeness 0.25).
    expected = 0.35 * 0.875 + 0.25 * 0.125 + 0.2 * 0.25 + 0.2 * 0.125
    assert centrality.score_node(rows[0], ctx).score == pytest.approx(100 * expected)


def test_equal_everywhere_scores_everyone_alike() -> None:
    rows = _graph_metrics([0.5] * 5)
    ctx = build_context(rows)
    # percentile 0.5; magnitude 1 (every value is the reference and the maximum)
    for r in rows:
        assert centrality.score_node(r, ctx).score == pytest.approx(100 * (0.8 * 0.75 + 0.2 * 0.5))


def test_magnitude_separates_the_tail() -> None:
    rows = _graph_metrics([0.0] * 90 + [0.001] * 5 + [0.01, 0.05, 0.1, 0.5, 1.0])
    ctx = build_context(rows)
    pcts = [ctx.percentile("betweenness_norm", v) for v in (0.1, 1.0)]
    mags = [ctx.magnitude("betweenness_norm", v) for v in (0.1, 1.0)]
    assert pcts[1] - pcts[0] == pytest.approx(0.02)  # (99 + 100) / 200 - (97 + 98) / 200
    assert mags[1] - mags[0] > 0.2  # the log scale keeps a 10x difference visible
    assert ctx.magnitude("betweenness_norm", None) is None and ctx.magnitude("nope", 1.0) is None
    assert ctx.standing("betweenness_norm", 0.3) == pytest.approx(
        0.5 * ctx.percentile("betweenness_norm", 0.3) + 0.5 * ctx.magnitude("betweenness_norm", 0.3)  # type: ignore[operator]
    )
    zeros = build_context(_graph_metrics([0.0, 0.0]))
    assert zeros.magnitude("betweenness_norm", 0.0) == 0.0
    assert zeros.standing("betweenness_norm", 0.0) == pytest.approx(0.25)
    assert zeros.standing("betweenness_norm", None) is None


def test_channel_needs_peer_metrics_and_context() -> None:
    rows = _graph_metrics([0.0, 1.0])
    ctx = build_context(rows)
    missing_peer = centrality.score_channel(view(), ctx)
    assert missing_peer.score is None and "peer" in missing_peer.reason
    no_ctx = centrality.score_channel(view(peer_metrics=rows[1]))
    assert no_ctx.score is None and "context" in no_ctx.reason
    assert centrality.score_channel(view(peer_metrics=rows[1]), ctx).score == pytest.approx(85.0)


def test_empty_graph_is_an_error() -> None:
    with pytest.raises(InvalidInputError):
        build_context([])


values = st.floats(min_value=0, max_value=1, allow_nan=False)


@settings(deadline=None)
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
