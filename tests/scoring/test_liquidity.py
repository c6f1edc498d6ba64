from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lnpilot.domain.channel_view import ChannelSnapshot
from lnpilot.domain.node import PendingHtlc
from lnpilot.scoring.heuristics import liquidity
from tests.scoring.scoring_builders import DAY, NOW, channel, view


@pytest.mark.parametrize(
    ("local", "expected"),
    [(500_000, 100.0), (650_000, 100.0), (350_000, 100.0), (825_000, 50.0), (1_000_000, 0.0), (0, 0.0)],
)
def test_balance_band(local: int, expected: float) -> None:
    # Inside 0.5 +/- 0.15 is full marks; beyond it falls linearly to 0 at a one-sided channel.
    score = liquidity.score_channel(view(channel(local, 1_000_000 - local)))
    assert score.score == pytest.approx(expected)
    assert "volatility unknown" in score.reason


def test_pending_htlcs_count_toward_the_ratio() -> None:
    # 600k local + 400k remote, 200k in flight out: ratio 600 / 1200 = 0.5, not 0.6.
    chan = channel(
        600_000, 400_000, capacity_sat=1_200_000, pending_htlcs=(PendingHtlc(False, 200_000, 900_000),)
    )
    result = liquidity.score_channel(view(chan))
    assert result.components["local_ratio"] == pytest.approx(0.5)


def test_reserves_reduce_usable_share() -> None:
    chan = channel(
        500_000, 500_000, local_chan_reserve_sat=10_000, remote_chan_reserve_sat=10_000, commit_fee_sat=0
    )
    assert liquidity.score_channel(view(chan)).score == pytest.approx(98.0)


def test_volatility_from_recent_snapshots() -> None:
    snaps = (
        ChannelSnapshot(NOW - 2 * DAY, 400_000, 600_000, True, 1_000_000),
        ChannelSnapshot(NOW - DAY, 600_000, 400_000, True, 1_000_000),
        ChannelSnapshot(NOW - 30 * DAY, 1_000_000, 0, True, 1_000_000),  # outside the 7-day window
    )
    result = liquidity.score_channel(view(snapshots=snaps))
    # stdev(0.4, 0.6) = 0.1 -> stability 0.6 -> 0.75 * 1 + 0.25 * 0.6 = 0.9
    assert result.components["volatility"] == pytest.approx(0.1)
    assert result.score == pytest.approx(90.0)


def test_zero_capacity_is_unavailable() -> None:
    result = liquidity.score_channel(view(channel(0, 0)))
    assert result.score is None and "capacity" in result.reason


@settings(deadline=None)
@given(st.integers(0, 1_000_000), st.integers(0, 1_000_000))
def test_bounds_and_farther_from_ideal_never_better(a: int, b: int) -> None:
    near, far = sorted((a, b), key=lambda x: abs(x - 500_000))
    s_near = liquidity.score_channel(view(channel(near, 1_000_000 - near))).score
    s_far = liquidity.score_channel(view(channel(far, 1_000_000 - far))).score
    assert s_near is not None and s_far is not None
    assert 0 <= s_far <= s_near <= 100
