from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lnpilot.domain.channel_view import ChannelSnapshot, PolicyChange
from lnpilot.scoring.context import build_context
from lnpilot.scoring.heuristics import age_stability
from tests.scoring.scoring_builders import DAY, NOW, channel, metrics, policy, pubkey, view

FUNDING = 800_000


def _changes(days_ago: list[float]) -> tuple[PolicyChange, ...]:
    return tuple(PolicyChange(int(NOW - d * DAY), policy(50), policy()) for d in days_ago)


def test_first_record_of_a_policy_is_no_change() -> None:
    initial = (PolicyChange(NOW - DAY, None, policy(), source="initial"),)
    result = age_stability.score_channel(view(current_block_height=FUNDING, policy_changes=initial))
    assert result.components["policy_changes_30d"] == 0


def test_needs_the_block_height() -> None:
    assert age_stability.score_channel(view()).score is None
    below = age_stability.score_channel(view(current_block_height=FUNDING - 1))
    assert below.score is None and "block height" in below.reason


def test_a_year_old_quiet_channel_is_full_marks() -> None:
    result = age_stability.score_channel(view(current_block_height=FUNDING + 365 * 144))
    assert result.score == pytest.approx(100.0)
    assert result.components["age_days"] == pytest.approx(365.0)
    assert "capacity history unknown" in result.reason


def test_new_channel_with_busy_policy() -> None:
    # age 0, 4 changes in 30 days (one older is ignored): (0.6*0 + 0.2*0.5) / 0.8 = 0.125
    result = age_stability.score_channel(
        view(current_block_height=FUNDING, policy_changes=_changes([1, 2, 3, 4, 45]))
    )
    assert result.score == pytest.approx(12.5)
    assert result.components["policy_changes_30d"] == 4


def test_capacity_changes_from_snapshots() -> None:
    snaps = (
        ChannelSnapshot(NOW - 3 * DAY, 1, 1, True, 500_000),
        ChannelSnapshot(NOW - 2 * DAY, 1, 1, True, 1_000_000),
    )
    # Snapshots 500k -> 1M, channel now 1M: one change. 30 days old.
    result = age_stability.score_channel(view(current_block_height=FUNDING + 30 * 144, snapshots=snaps))
    age = math.log1p(30) / math.log1p(365)
    assert result.components["capacity_changes"] == 1
    assert result.score == pytest.approx(100 * (0.6 * age + 0.2 * 0.5 + 0.2 * 1.0), abs=1e-4)


def test_node_age_percentile() -> None:
    rows = [metrics(pubkey(i), mean_channel_age_blocks=a) for i, a in enumerate([100.0, 2000.0, None])]
    ctx = build_context(rows)
    assert age_stability.score_node(rows[1], ctx).score == pytest.approx(75.0)
    assert age_stability.score_node(rows[2], ctx).score is None


@settings(deadline=None)
@given(st.integers(0, 200_000), st.integers(0, 200_000), st.lists(st.floats(0, 60), max_size=10))
def test_older_never_scores_lower(a: int, b: int, changes: list[float]) -> None:
    young, old = sorted((a, b))
    s_young = age_stability.score_channel(
        view(current_block_height=FUNDING + young, policy_changes=_changes(changes))
    ).score
    s_old = age_stability.score_channel(
        view(current_block_height=FUNDING + old, policy_changes=_changes(changes))
    ).score
    assert s_young is not None and s_old is not None
    assert 0 <= s_young <= s_old <= 100


@settings(deadline=None)
@given(st.lists(st.floats(0, 29), max_size=10), st.floats(0, 29))
def test_another_policy_change_never_helps(changes: list[float], extra: float) -> None:
    height = FUNDING + 1000
    before = age_stability.score_channel(
        view(current_block_height=height, policy_changes=_changes(changes))
    ).score
    after = age_stability.score_channel(
        view(current_block_height=height, policy_changes=_changes([*changes, extra]))
    ).score
    assert before is not None and after is not None and after <= before


def test_channel_builder_funding_block() -> None:
    assert channel().chan_id >> 40 == FUNDING
