from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lnpilot.scoring.context import build_context
from lnpilot.scoring.heuristics import peer_quality
from tests.scoring.scoring_builders import metrics, pubkey, view


def _rows() -> list:
    return [
        metrics(
            pubkey(0), total_capacity_sat=1_000, channel_count=1, betweenness_norm=0.0, median_out_fee_ppm=1.0
        ),
        metrics(
            pubkey(1),
            total_capacity_sat=5_000,
            channel_count=5,
            betweenness_norm=0.1,
            median_out_fee_ppm=100.0,
        ),
        metrics(
            pubkey(2),
            total_capacity_sat=9_000,
            channel_count=9,
            betweenness_norm=0.5,
            median_out_fee_ppm=9999.0,
            disabled_share=0.5,
        ),
        metrics(
            pubkey(3), median_out_fee_ppm=None, disabled_share=None, total_capacity_sat=0, channel_count=0
        ),
    ]


def test_hand_computed() -> None:
    rows = _rows()
    ctx = build_context(rows)
    # Fees known: 1, 100, 9999 -> p90 index int(2.7) = 2 -> 9999.
    assert ctx.network_p90_fee_ppm == 9999.0
    big = peer_quality.score_node(rows[2], ctx)
    # capacity, channels and betweenness: top of the graph, percentile (3+4)/8 and magnitude 1
    # (it is the maximum and the reference is the median of the positive values) -> 0.9375;
    # fee sane (at p90), enabled 0.5.
    expected = 0.25 * 0.9375 + 0.2 * 0.9375 + 0.2 * 0.9375 + 0.15 * 1.0 + 0.2 * 0.5
    assert big.score == pytest.approx(100 * expected)
    assert "50% disabled" in big.reason


def test_unknown_parts_drop_out() -> None:
    rows = _rows()
    ctx = build_context(rows)
    silent = peer_quality.score_node(rows[3], ctx)
    assert silent.components["fee_sanity"] is None and silent.components["enabled"] is None
    assert silent.score is not None
    assert "no enabled policy" in silent.reason and "unknown disabled" in silent.reason


def test_channel_needs_peer_and_context() -> None:
    rows = _rows()
    ctx = build_context(rows)
    assert peer_quality.score_channel(view(), ctx).score is None
    assert peer_quality.score_channel(view(peer_metrics=rows[1])).score is None
    assert (
        peer_quality.score_channel(view(peer_metrics=rows[1]), ctx).score
        == peer_quality.score_node(rows[1], ctx).score
    )


@settings(deadline=None)
@given(st.floats(0, 1), st.floats(0, 1), st.floats(0, 20_000))
def test_more_disabled_never_better(a: float, b: float, fee: float) -> None:
    low, high = sorted((a, b))
    rows = _rows()
    ctx = build_context(rows)
    s_low = peer_quality.score_node(metrics(pubkey(7), disabled_share=low, median_out_fee_ppm=fee), ctx).score
    s_high = peer_quality.score_node(
        metrics(pubkey(7), disabled_share=high, median_out_fee_ppm=fee), ctx
    ).score
    assert s_low is not None and s_high is not None
    assert 0 <= s_high <= s_low <= 100
