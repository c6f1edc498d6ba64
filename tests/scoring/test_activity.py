from __future__ import annotations

import math
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lnpilot.domain.node import ForwardingEvent
from lnpilot.scoring.heuristics import activity
from tests.scoring.scoring_builders import CHAN_ID, NOW, forward, view


def test_no_forwards_is_zero_not_missing() -> None:
    result = activity.score_channel(view())
    assert result.score == 0.0
    assert "never forwarded" in result.reason


def test_one_forward_now_hand_computed() -> None:
    # 100,000 sat out now on a 1M channel, 10 sat fee: every part at weight 1.
    result = activity.score_channel(view(forwards=(forward(0),)))
    frequency = 1 - math.exp(-1 / 15)
    volume = 1 - math.exp(-0.1)
    revenue = 1 - math.exp(-10 / 50)
    expected = 100 * (0.35 * frequency + 0.25 * volume + 0.25 * revenue + 0.15 * 1.0)
    assert result.score == pytest.approx(expected, abs=1e-4)
    assert result.components["forwards_30d"] == 1
    assert result.components["fees_30d_sat"] == pytest.approx(10.0)


def test_old_forward_counts_for_recency_only() -> None:
    result = activity.score_channel(view(forwards=(forward(40),)))
    assert result.components["forwards_30d"] == 0
    # 40 days since the last forward: recency 0.5 ** (40 / 7)
    assert result.score == pytest.approx(100 * 0.15 * 0.5 ** (40 / 7), abs=1e-4)
    assert "40 days ago" in result.reason


def test_incoming_forward_earns_no_fee_here_and_others_are_ignored() -> None:
    other = ForwardingEvent(int(NOW * 1e9), CHAN_ID + 5, CHAN_ID + 6, 1000, 1000, 1)
    future = forward(-1)
    result = activity.score_channel(view(forwards=(forward(1, out=False), other, future)))
    assert result.components["forwards_30d"] == 1
    assert result.components["fees_30d_sat"] == 0.0


def test_trend_is_by_time_not_list_order() -> None:
    fwds = (forward(25, 50_000), forward(2, 150_000), forward(1, 150_000))
    a = activity.score_channel(view(forwards=fwds))
    b = activity.score_channel(view(forwards=tuple(reversed(fwds))))
    assert a.score == b.score
    # Late half 300k, early half 50k: (300 - 50) / 350.
    assert a.components["trend"] == pytest.approx(250 / 350)
    assert b.components["trend"] == pytest.approx(250 / 350)
    assert "trend +0.71" in a.reason


def test_recent_traffic_outweighs_the_same_traffic_a_month_ago() -> None:
    recent = activity.score_channel(view(forwards=(forward(1),))).score
    old = activity.score_channel(view(forwards=(forward(28),))).score
    assert recent is not None and old is not None and recent > old


def test_zero_capacity_is_unavailable() -> None:
    from tests.scoring.scoring_builders import channel

    assert activity.score_channel(view(channel(0, 0))).score is None


fwd_strategy = st.builds(
    forward,
    st.floats(min_value=-2, max_value=60, allow_nan=False),
    st.integers(1, 2_000_000),
    st.integers(0, 50_000),
    st.booleans(),
)


@settings(deadline=None)
@given(st.lists(fwd_strategy, max_size=25), fwd_strategy)
def test_more_forwards_never_lower_activity(fwds: list[ForwardingEvent], extra: ForwardingEvent) -> None:
    before = activity.score_channel(view(forwards=tuple(fwds))).score
    after = activity.score_channel(view(forwards=(*fwds, extra))).score
    assert before is not None and after is not None
    assert 0 <= before <= after <= 100


@settings(deadline=None)
@given(st.lists(fwd_strategy, min_size=1, max_size=10), st.integers(1, 10_000_000))
def test_bigger_forward_never_lowers_activity(fwds: list[ForwardingEvent], extra_msat: int) -> None:
    bigger = [
        replace(
            fwds[0],
            amt_in_msat=fwds[0].amt_in_msat + extra_msat,
            amt_out_msat=fwds[0].amt_out_msat + extra_msat,
        )
    ]
    before = activity.score_channel(view(forwards=tuple(fwds))).score
    after = activity.score_channel(view(forwards=(*bigger, *fwds[1:]))).score
    assert before is not None and after is not None and after >= before
