"""Small numeric helpers shared by the heuristics: clamping, percentiles, weighted means."""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence


def clamp01(value: float) -> float:
    if math.isnan(value):
        return 0.0
    return min(1.0, max(0.0, value))


def to_score(fraction: float) -> float:
    """A 0-1 fraction as a 0-100 score, rounded so equal inputs print equal scores."""
    return round(100.0 * clamp01(fraction), 6)


def percentile_rank(sorted_values: Sequence[float], value: float) -> float:
    """Mid-rank percentile of ``value`` in ``sorted_values`` (0-1).

    Ties share the middle of their block, so a metric that is equal for everybody ranks every
    node at 0.5 rather than arbitrarily high or low.
    """
    n = len(sorted_values)
    if n == 0:
        raise ValueError("percentile of an empty distribution")
    below = bisect_left(sorted_values, value)
    not_above = bisect_right(sorted_values, value)
    return (below + not_above) / (2.0 * n)


def weighted_mean(parts: Mapping[str, float | None], weights: Mapping[str, float]) -> float | None:
    """Weighted mean over the parts that are known; None when none is (or they weigh nothing)."""
    total = 0.0
    weight_sum = 0.0
    for name, weight in weights.items():
        value = parts.get(name)
        if value is None:
            continue
        total += weight * value
        weight_sum += weight
    if weight_sum <= 0.0:
        return None
    return total / weight_sum


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        raise ValueError("median of an empty sequence")
    mid = n // 2
    if n % 2:
        return float(ordered[mid])
    return (ordered[mid - 1] + ordered[mid]) / 2.0


def weighted_median(pairs: Iterable[tuple[float, float]]) -> float | None:
    """(value, weight) pairs: the value at which the cumulative weight first reaches half the
    total (None: no positive weight)."""
    ordered = sorted((v, w) for v, w in pairs if w > 0)
    total = sum(w for _, w in ordered)
    if total <= 0:
        return None
    running = 0.0
    for value, weight in ordered:
        running += weight
        if running >= total / 2:
            return value
    return ordered[-1][0]  # pragma: no cover - float rounding only


def price_fraction(ours_ppm: float, reference_ppm: float) -> float:
    """1 at or below the reference, then ``1 / (1 + log2(ours / reference))``; +1 ppm keeps zero
    fees finite. Fees span orders of magnitude, so each doubling costs alike: 2x the reference
    scores 0.5, 4x 0.33, 8x 0.25."""
    ratio = (max(0.0, ours_ppm) + 1.0) / (max(0.0, reference_ppm) + 1.0)
    if ratio <= 1.0:
        return 1.0
    return 1.0 / (1.0 + math.log2(ratio))
