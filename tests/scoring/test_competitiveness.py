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
    assert result.score is None and "network median fee" in result.reason


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
