from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lnpilot.scoring._scale import clamp01, median, percentile_rank, to_score, weighted_mean


def test_clamp_and_score() -> None:
    assert clamp01(math.nan) == 0.0 and clamp01(-1) == 0.0 and clamp01(2) == 1.0
    assert to_score(0.1234567891) == 12.345679


def test_empty_inputs_raise() -> None:
    with pytest.raises(ValueError):
        median([])
    with pytest.raises(ValueError):
        percentile_rank([], 1.0)


def test_small_cases() -> None:
    assert median([3, 1, 2]) == 2.0 and median([4, 1, 2, 3]) == 2.5
    assert weighted_mean({"a": 1.0, "b": None}, {"a": 1.0, "b": 3.0}) == 1.0
    assert weighted_mean({"a": None}, {"a": 1.0}) is None
    assert percentile_rank([1, 2, 2, 3], 2) == pytest.approx(0.5)


@settings(deadline=None)
@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=50), st.floats(-1e6, 1e6))
def test_percentile_rank_bounds_and_order(values: list[float], x: float) -> None:
    ordered = sorted(values)
    p = percentile_rank(ordered, x)
    assert 0 <= p <= 1
    assert percentile_rank(ordered, x + 1) >= p
