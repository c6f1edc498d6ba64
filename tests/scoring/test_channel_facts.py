from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lnpilot.domain.channel_view import ChannelSnapshot
from lnpilot.scoring.channel_facts import channel_facts, summarise_snapshots
from tests.scoring.scoring_builders import DAY, NOW, channel, forward, view


def _snap(
    days_ago: float, local: int, active: bool = True, capacity: int = 1_000_000, **kw: int
) -> ChannelSnapshot:
    return ChannelSnapshot(int(NOW - days_ago * DAY), local, capacity - local, active, capacity, **kw)


def test_summary_hand_computed() -> None:
    snaps = (
        _snap(40, 100_000, capacity=500_000),  # outside both windows; capacity then 500k
        _snap(20, 500_000, uptime_s=5, lifetime_s=10),
        _snap(6, 400_000, active=False),
        _snap(3, 600_000),
        _snap(1, 600_000, active=False),
        _snap(-1, 0),  # from the future: ignored
    )
    summary = summarise_snapshots(view(snapshots=snaps))
    assert summary.count == 5 and summary.recent_count == 4 and summary.recent_active == 2
    assert summary.disconnections == 2
    assert summary.capacity_changes == 1  # 500k -> 1M; the channel is 1M now
    assert summary.latest_uptime == (5, 10)
    # Last 7 days: 0.4, 0.6, 0.6 -> population standard deviation
    mean = 1.6 / 3
    expected = math.sqrt((0.4**2 + 0.6**2 + 0.6**2) / 3 - mean**2)
    assert summary.volatility == pytest.approx(expected)


def test_order_does_not_matter() -> None:
    snaps = [_snap(d, 100_000 * (d % 10), active=d % 3 != 0) for d in range(25)]
    shuffled = list(snaps)
    random.Random(4).shuffle(shuffled)
    assert summarise_snapshots(view(snapshots=tuple(snaps))) == summarise_snapshots(
        view(snapshots=tuple(shuffled))
    )


def test_no_snapshots() -> None:
    summary = summarise_snapshots(view())
    assert summary.count == 0 and summary.volatility is None and summary.capacity_changes == 0


def test_facts_bundle_flow_and_snapshots() -> None:
    facts = channel_facts(
        view(channel(uptime_s=1, lifetime_s=2), forwards=(forward(1), forward(2, out=False)))
    )
    assert facts.flow.count == 2 and facts.flow.outgoing == 1
    assert facts.snapshots.count == 0


@settings(deadline=None)
@given(st.lists(st.tuples(st.floats(0, 10), st.floats(0, 1)), min_size=2, max_size=30))
def test_volatility_matches_two_pass(points: list[tuple[float, float]]) -> None:
    snaps = tuple(_snap(d, int(r * 1_000_000)) for d, r in points)
    summary = summarise_snapshots(view(snapshots=snaps))
    ratios = [s.local_balance_sat / s.capacity_sat for s in snaps if s.taken_at >= NOW - 7 * DAY]
    if len(ratios) < 2:
        assert summary.volatility is None
        return
    mean = sum(ratios) / len(ratios)
    two_pass = math.sqrt(sum((r - mean) ** 2 for r in ratios) / len(ratios))
    assert summary.volatility == pytest.approx(two_pass, abs=1e-6)
