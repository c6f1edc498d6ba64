from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lnpilot.domain.channel_view import ChannelSnapshot
from lnpilot.scoring.heuristics import reliability
from tests.scoring.scoring_builders import DAY, NOW, channel, forward, view


def _snaps(pattern: list[bool], **kw: int) -> tuple[ChannelSnapshot, ...]:
    return tuple(
        ChannelSnapshot(NOW - (len(pattern) - i) * DAY, 500_000, 500_000, active, 1_000_000, **kw)
        for i, active in enumerate(pattern)
    )


def test_nothing_known_is_unavailable() -> None:
    result = reliability.score_channel(view())
    assert result.score is None and "unavailable" in result.reason


def test_uptime_alone() -> None:
    result = reliability.score_channel(view(channel(uptime_s=90, lifetime_s=100)))
    assert result.score == pytest.approx(90.0)
    assert "uptime 90%" in result.reason


def test_uptime_from_latest_snapshot_when_channel_lacks_it() -> None:
    snaps = (
        ChannelSnapshot(NOW - 2 * DAY, 1, 1, True, 2, uptime_s=10, lifetime_s=100),
        ChannelSnapshot(NOW - DAY, 1, 1, True, 2, uptime_s=80, lifetime_s=100),
    )
    result = reliability.score_channel(view(snapshots=snaps))
    assert result.components["uptime"] == pytest.approx(0.8)


def test_snapshots_hand_computed() -> None:
    # active, inactive, active, active: share 0.75, one disconnection -> exp(-1/4)
    result = reliability.score_channel(view(snapshots=_snaps([True, False, True, True])))
    expected = 100 * (0.2 * 0.75 + 0.2 * math.exp(-0.25)) / 0.4
    assert result.score == pytest.approx(expected, abs=1e-4)
    assert result.components["disconnections_30d"] == 1
    assert "1 disconnections in 4 snapshots" in result.reason


def test_failed_for_liquidity() -> None:
    fwds = (forward(1), forward(2), forward(3), forward(40))  # the 40-day-old one is outside the window
    result = reliability.score_channel(view(forwards=fwds, failed_for_liquidity=1))
    assert result.score == pytest.approx(75.0)
    assert "1 forwards failed for liquidity" in result.reason
    # Known zero failures but no forwards either: no evidence either way.
    assert reliability.score_channel(view(failed_for_liquidity=0)).score is None


@settings(deadline=None)
@given(st.lists(st.booleans(), min_size=2, max_size=20))
def test_a_new_outage_never_helps_and_a_new_uptime_never_hurts(pattern: list[bool]) -> None:
    before = reliability.score_channel(view(snapshots=_snaps(pattern))).score
    down = reliability.score_channel(view(snapshots=_snaps([*pattern, False]))).score
    up = reliability.score_channel(view(snapshots=_snaps([*pattern, True]))).score
    assert before is not None and down is not None and up is not None
    assert 0 <= down <= before <= up <= 100


@settings(deadline=None)
@given(st.integers(0, 10**6), st.integers(1, 10**6))
def test_more_uptime_never_lowers(up: int, life: int) -> None:
    up = min(up, life)
    low = reliability.score_channel(view(channel(uptime_s=up // 2, lifetime_s=life))).score
    high = reliability.score_channel(view(channel(uptime_s=up, lifetime_s=life))).score
    assert low is not None and high is not None and 0 <= low <= high <= 100
