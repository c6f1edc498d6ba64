"""Means, 95 % intervals and the ratio to the best reference, per strategy over seeds."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from lnpilot.arena.types import RunResult

# Student's t, two-sided 95 %, by degrees of freedom (n - 1); normal beyond 30.
_T975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


def t975(df: int) -> float:
    return _T975[df - 1] if 1 <= df <= len(_T975) else 1.96


@dataclass(frozen=True, slots=True)
class Interval:
    """A mean over seeds with its 95 % t-interval; low/high are None with fewer than two seeds."""

    mean: float
    low: float | None
    high: float | None
    n: int

    def to_json(self) -> dict[str, Any]:
        return {"mean": self.mean, "low": self.low, "high": self.high, "n": self.n}


def mean_ci(values: Sequence[float]) -> Interval | None:
    """None for no values (absent, not zero)."""
    n = len(values)
    if n == 0:
        return None
    mean = sum(values) / n
    if n < 2:
        return Interval(mean, None, None, n)
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    half = t975(n - 1) * sd / math.sqrt(n)
    return Interval(mean, mean - half, mean + half, n)


def best_reference_by_seed(results: Iterable[RunResult], references: Iterable[str]) -> dict[int, int]:
    refs = set(references)
    best: dict[int, int] = {}
    for r in results:
        if r.strategy in refs:
            best[r.seed] = max(best.get(r.seed, r.net_profit_msat), r.net_profit_msat)
    return best


@dataclass(frozen=True, slots=True)
class Summary:
    strategy: str
    seeds: int
    net_profit_msat: Interval
    fees_earned_msat: Interval
    forwards: Interval
    policy_updates: Interval
    flips_per_channel_week: Interval
    rebalance_cost_ratio: Interval | None  # None: no seed earned anything
    ratio_to_best_ref: Interval | None  # None: no seed with a positive best reference
    seeds_at_least_best: int  # seeds where the ratio is >= 1.0
    failed_cycles: int

    def to_json(self) -> dict[str, Any]:
        def opt(i: Interval | None) -> dict[str, Any] | None:
            return None if i is None else i.to_json()

        return {
            "strategy": self.strategy,
            "seeds": self.seeds,
            "net_profit_msat": self.net_profit_msat.to_json(),
            "fees_earned_msat": self.fees_earned_msat.to_json(),
            "forwards": self.forwards.to_json(),
            "policy_updates": self.policy_updates.to_json(),
            "flips_per_channel_week": self.flips_per_channel_week.to_json(),
            "rebalance_cost_ratio": opt(self.rebalance_cost_ratio),
            "ratio_to_best_ref": opt(self.ratio_to_best_ref),
            "seeds_at_least_best": self.seeds_at_least_best,
            "failed_cycles": self.failed_cycles,
        }


def ratios_to_best(results: Sequence[RunResult], references: Iterable[str]) -> dict[tuple[str, int], float]:
    """(strategy, seed) -> net profit / the best reference's on that seed (best > 0 only)."""
    best = best_reference_by_seed(results, references)
    return {
        (r.strategy, r.seed): r.net_profit_msat / best[r.seed] for r in results if best.get(r.seed, 0) > 0
    }


def summarize(results: Sequence[RunResult], references: Iterable[str]) -> list[Summary]:
    """One summary per strategy, in the order strategies first appear in ``results``."""
    ratios = ratios_to_best(results, references)
    by_strategy: dict[str, list[RunResult]] = defaultdict(list)
    for r in results:
        by_strategy[r.strategy].append(r)
    out = []
    for name, runs in by_strategy.items():
        seed_ratios = [ratios[(name, r.seed)] for r in runs if (name, r.seed) in ratios]
        rebalance = [x for r in runs if (x := r.rebalance_cost_ratio) is not None]
        out.append(
            Summary(
                strategy=name,
                seeds=len(runs),
                net_profit_msat=_req([r.net_profit_msat for r in runs]),
                fees_earned_msat=_req([r.fees_earned_msat for r in runs]),
                forwards=_req([r.forwards for r in runs]),
                policy_updates=_req([r.policy_updates for r in runs]),
                flips_per_channel_week=_req([r.flips_per_channel_week for r in runs]),
                rebalance_cost_ratio=mean_ci(rebalance),
                ratio_to_best_ref=mean_ci(seed_ratios),
                seeds_at_least_best=sum(1 for x in seed_ratios if x >= 1.0),
                failed_cycles=sum(r.failed_cycles for r in runs),
            )
        )
    return out


def _req(values: Sequence[float]) -> Interval:
    interval = mean_ci(values)
    assert interval is not None  # every strategy in by_strategy has at least one run
    return interval
