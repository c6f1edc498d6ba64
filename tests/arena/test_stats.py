"""Intervals and ratios to the best reference, by hand."""

from __future__ import annotations

import math

import pytest

from lnpilot.arena.flips import count_flips
from lnpilot.arena.stats import mean_ci, ratios_to_best, summarize, t975
from lnpilot.arena.types import RunResult


def _r(strategy: str, seed: int, earned: int, rebal: int = 0, flips: int = 0) -> RunResult:
    return RunResult(
        strategy=strategy, seed=seed, graph="g", days=7.0, channels=4, fees_earned_msat=earned,
        rebalance_fees_msat=rebal, onchain_fees_msat=0, forwards=earned // 100, policy_updates=seed,
        fee_flips=flips, cycles=28, failed_cycles=0,
    )  # fmt: skip


def test_mean_ci_is_a_student_t_interval() -> None:
    i = mean_ci([10.0, 20.0, 30.0])
    assert i is not None
    half = 4.303 * 10.0 / math.sqrt(3)
    assert (i.mean, i.low, i.high, i.n) == pytest.approx((20.0, 20.0 - half, 20.0 + half, 3))
    one = mean_ci([5.0])
    assert one is not None and (one.mean, one.low, one.high) == (5.0, None, None)
    assert mean_ci([]) is None
    assert t975(1) == 12.706 and t975(200) == 1.96


def test_ratio_to_the_best_reference_per_seed() -> None:
    results = [
        _r("a", 1, 1000), _r("b", 1, 2000), _r("p", 1, 3000, rebal=500),
        _r("a", 2, 4000), _r("b", 2, 1000), _r("p", 2, 2000),
    ]  # fmt: skip
    ratios = ratios_to_best(results, ["a", "b"])
    assert ratios[("p", 1)] == pytest.approx(2500 / 2000)
    assert ratios[("p", 2)] == pytest.approx(0.5)
    by_name = {s.strategy: s for s in summarize(results, ["a", "b"])}
    p = by_name["p"]
    assert p.ratio_to_best_ref is not None
    assert p.ratio_to_best_ref.mean == pytest.approx((1.25 + 0.5) / 2)
    assert p.seeds_at_least_best == 1
    assert p.net_profit_msat.mean == pytest.approx((2500 + 2000) / 2)
    assert p.rebalance_cost_ratio is not None
    assert p.rebalance_cost_ratio.mean == pytest.approx((500 / 3000 + 0) / 2)
    assert by_name["a"].seeds_at_least_best == 1 and by_name["b"].seeds_at_least_best == 1


def test_no_positive_reference_leaves_the_ratio_absent() -> None:
    results = [_r("a", 1, 0), _r("p", 1, 500)]
    p = {s.strategy: s for s in summarize(results, ["a"])}["p"]
    assert p.ratio_to_best_ref is None and p.seeds_at_least_best == 0
    a = {s.strategy: s for s in summarize(results, ["a"])}["a"]
    assert a.rebalance_cost_ratio is None  # nothing earned: no ratio, not zero


def test_flips_count_reversals_only() -> None:
    assert count_flips([1, 1, 1]) == 0
    assert count_flips([1, 5, 9, 9, 12]) == 0
    assert count_flips([100, 200, 150, 150, 300, 100]) == 3
    flips = _r("a", 1, 100, flips=8)
    assert flips.flips_per_channel_week == pytest.approx(8 / (4 * 1.0))
