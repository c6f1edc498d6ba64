from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lnpilot.scoring.context import build_context
from lnpilot.scoring.heuristics import competitiveness
from tests.scoring.scoring_builders import metrics, policy, pubkey, view


def test_price_fraction_hand_computed() -> None:
    assert competitiveness.price_fraction(199, 99) == pytest.approx(0.5)
    assert competitiveness.price_fraction(0, 0) == 1.0
    assert competitiveness.price_fraction(50, 99) == 1.0
    # 100x the reference: 1 / (1 + log2(100))
    assert competitiveness.price_fraction(99, 0) == pytest.approx(1 / (1 + math.log2(100)))
    assert competitiveness.price_fraction(399, 99) == pytest.approx(1 / 3)


def test_both_references() -> None:
    # vs competitors 0.5, vs network 1.0 -> 0.7 * 0.5 + 0.3 * 1.0 = 0.65
    result = competitiveness.score_channel(
        view(
            policy=policy(199),
            competitor_fee_ppm=99.0,
            competitor_channel_count=4,
            network_median_fee_ppm=500.0,
        )
    )
    assert result.score == pytest.approx(65.0)
    assert "competitors' median 99" in result.reason and "network median 500" in result.reason


def test_only_network_reference_from_context() -> None:
    ctx = build_context(
        [metrics(pubkey(i), median_out_fee_ppm=float(f)) for i, f in enumerate([10, 49, 200])]
    )
    assert ctx.network_median_fee_ppm == 49.0
    result = competitiveness.score_channel(view(policy=policy(99)), ctx)
    assert result.score == pytest.approx(50.0)
    assert result.components["vs_competitors"] is None


def test_missing_inputs() -> None:
    assert competitiveness.score_channel(view(policy=None)).score is None
    no_ref = competitiveness.score_channel(view())
    assert no_ref.score is None and "no competitor" in no_ref.reason


def test_disabled_policy_scores_zero() -> None:
    result = competitiveness.score_channel(view(policy=policy(1, disabled=True), competitor_fee_ppm=100.0))
    assert result.score == 0.0 and "disabled" in result.reason


def test_node_against_network_median() -> None:
    rows = [metrics(pubkey(i), median_out_fee_ppm=f) for i, f in enumerate([1.0, 99.0, 5000.0, None])]
    ctx = build_context(rows)
    assert ctx.network_median_fee_ppm == 99.0
    assert competitiveness.score_node(rows[0], ctx).score == 100.0
    assert competitiveness.score_node(rows[2], ctx).score == pytest.approx(
        100 / (1 + math.log2(5001 / 100)), abs=1e-5
    )
    assert competitiveness.score_node(rows[3], ctx).score is None


def test_node_without_network_median() -> None:
    ctx = build_context([metrics(pubkey(0), median_out_fee_ppm=None)])
    assert ctx.network_median_fee_ppm is None
    result = competitiveness.score_node(metrics(pubkey(1)), ctx)
    assert result.score is None and "no competitor or network fee" in result.reason


fees = st.integers(0, 20_000)


@settings(deadline=None)
@given(
    fees,
    fees,
    st.integers(1, 5_000),
    st.floats(0, 5_000, allow_nan=False),
    st.one_of(st.none(), st.floats(0, 5_000)),
)
def test_further_above_competitors_never_raises(
    base: int, extra: int, step: int, competitor: float, network: float | None
) -> None:
    low = view(policy=policy(base + extra), competitor_fee_ppm=competitor, network_median_fee_ppm=network)
    high = view(
        policy=policy(base + extra + step), competitor_fee_ppm=competitor, network_median_fee_ppm=network
    )
    s_low = competitiveness.score_channel(low).score
    s_high = competitiveness.score_channel(high).score
    assert s_low is not None and s_high is not None
    assert 0 <= s_high <= s_low <= 100


def test_node_against_competitors_into_the_same_peers_hand_computed() -> None:
    """Three sellers into hub P: A at 100 ppm (cap 1), B at 100 (cap 1), C at 300 (cap 2).

    Capacity-weighted median into P = 100 (cumulative weight 2 of 4 reached at 100). C's part is
    price_fraction(300, 100) = 1 / (1 + log2(301 / 101)); A's and B's are 1. Each seller has that
    one priced channel, so its vs_competitors is exactly that part.
    """
    from lnpilot.domain.graph import Graph, GraphChannel, GraphNode, RoutingPolicy
    from lnpilot.scoring.context import graph_facts

    def pol(ppm: int) -> RoutingPolicy:
        return RoutingPolicy(1000, ppm, 40, 1000, 10**9)

    p, a, b, c = (pubkey(i) for i in range(4))
    channels = (
        GraphChannel(1, a, p, 1_000_000, pol(100), None),
        GraphChannel(2, b, p, 1_000_000, pol(100), None),
        GraphChannel(3, c, p, 2_000_000, pol(300), None),
    )
    facts = graph_facts(Graph({k: GraphNode(k) for k in (p, a, b, c)}, channels))
    assert facts.vs_competitors[a] == facts.vs_competitors[b] == 1.0
    assert facts.vs_competitors[c] == pytest.approx(1 / (1 + math.log2(301 / 101)))
    assert p not in facts.vs_competitors  # P sells into nobody (no policies of its own)
    two_sellers = graph_facts(Graph({k: GraphNode(k) for k in (p, a, b)}, channels[:2]))
    assert two_sellers.vs_competitors == {}  # fewer than 3 sellers into P


def test_node_score_uses_competitors_when_known() -> None:
    from dataclasses import replace

    ctx = build_context([metrics(pubkey(i), median_out_fee_ppm=float(10 * (i + 1))) for i in range(5)])
    node = metrics(pubkey(9), median_out_fee_ppm=400.0)
    alone = competitiveness.score_node(node, ctx)
    assert alone.components["vs_competitors"] is None and alone.score is not None
    facts = replace(ctx.facts, vs_competitors={pubkey(9): 1.0}) if ctx.facts else None
    from lnpilot.scoring.context import GraphFacts

    ctx_with = replace(ctx, facts=facts or GraphFacts(vs_competitors={pubkey(9): 1.0}))
    priced_like_peers = competitiveness.score_node(node, ctx_with)
    assert priced_like_peers.components["vs_competitors"] == 1.0
    assert priced_like_peers.score is not None and priced_like_peers.score > alone.score
