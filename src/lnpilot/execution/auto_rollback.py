"""Automatic rollback: did a policy change hurt the channel, measured, with enough evidence?

Pure. The channel's fee revenue and forward count in the window after the change are compared
with the same-length window before it; the node's untouched channels over the same two windows
give the expected ratio (a control for network-wide swings in traffic). A rollback is advised
only when

* the baseline has at least ``min_forwards`` forwards (never judge on too little data), and
* either revenue, adjusted by the control, fell by more than ``drop_threshold`` and the fall is
  significant (one-sided p < ``alpha``, a compound-Poisson z-test on revenue),
* or the forwards, adjusted by the control, fell by more than ``drop_threshold`` significantly
  (exact conditional Poisson rate-ratio test) while revenue did *not* rise significantly over at
  least ``min_forwards`` forwards after the change.

So a fee increase that trades volume for price is kept only when the higher revenue is
demonstrated; a handful of forwards paying an outlandish fee is no such demonstration, and a
channel that stopped routing is rolled back.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum

from lnpilot.domain.node import ForwardingEvent

_NS = 1_000_000_000


class Verdict(StrEnum):
    WATCHING = "watching"  # the window after the change has not elapsed yet
    INSUFFICIENT_DATA = "insufficient_data"
    KEEP = "keep"
    ROLLBACK = "rollback"


@dataclass(frozen=True, slots=True)
class WindowStats:
    forwards: int
    revenue_msat: int
    revenue_sq_msat2: int  # sum of squared fees: the compound-Poisson variance of the revenue

    @classmethod
    def of(cls, fees_msat: Sequence[int]) -> WindowStats:
        return cls(len(fees_msat), sum(fees_msat), sum(f * f for f in fees_msat))


@dataclass(frozen=True, slots=True)
class RollbackAssessment:
    verdict: Verdict
    reason: str
    window_s: int
    channel_before: WindowStats
    channel_after: WindowStats
    control_before: WindowStats
    control_after: WindowStats
    # Channel after/before divided by the control's after/before; None when not computable.
    revenue_ratio_adjusted: float | None = None
    forwards_ratio_adjusted: float | None = None
    revenue_p_value: float | None = None
    forwards_p_value: float | None = None

    @property
    def should_roll_back(self) -> bool:
        return self.verdict is Verdict.ROLLBACK


def binomial_cdf(k: int, n: int, p: float) -> float:
    """P(X <= k) for X ~ Binomial(n, p), summed in log space so large n does not overflow."""
    if k < 0:
        return 0.0
    if k >= n or p >= 1.0:
        return 1.0
    if p <= 0.0:
        return 1.0
    log_p, log_q = math.log(p), math.log1p(-p)
    total = 0.0
    for i in range(k + 1):
        log_term = math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1)
        total += math.exp(log_term + i * log_p + (n - i) * log_q)
    return min(total, 1.0)


def normal_cdf(z: float) -> float:
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


def control_ratio(before: float, after: float) -> float | None:
    """After/before of the control; None when the control saw nothing before (no information)."""
    if before <= 0:
        return None
    return after / before


def rate_ratio_p_value(after: int, before: int, expected_ratio: float) -> float:
    """One-sided p that ``after`` is this low if after/before truly equals ``expected_ratio``.

    Conditional on the total, the after-count of two Poisson counts over equal windows is
    Binomial(total, r / (1 + r)).
    """
    total = after + before
    if total == 0:
        return 1.0
    p0 = expected_ratio / (1.0 + expected_ratio)
    return binomial_cdf(after, total, p0)


def revenue_p_value(after: WindowStats, before: WindowStats, expected_ratio: float) -> float:
    """One-sided p of a revenue this low under ``after = expected_ratio * before`` (z-test).

    Revenue over a window is a compound Poisson sum; its variance is estimated by the sum of
    squared fees, for each window independently.
    """
    diff = after.revenue_msat - expected_ratio * before.revenue_msat
    variance = after.revenue_sq_msat2 + expected_ratio**2 * before.revenue_sq_msat2
    if variance <= 0:
        return 1.0 if diff >= 0 else 0.0
    return normal_cdf(diff / math.sqrt(variance))


def _split(
    forwards: Sequence[ForwardingEvent], chan_ids: Collection[int], start_s: int, mid_s: int, end_s: int
) -> tuple[WindowStats, WindowStats]:
    before: list[int] = []
    after: list[int] = []
    for event in forwards:
        # Fees are earned on the outgoing channel: that is the policy that was changed.
        if event.chan_id_out not in chan_ids:
            continue
        ts = event.timestamp_ns
        if start_s * _NS <= ts < mid_s * _NS:
            before.append(event.fee_msat)
        elif mid_s * _NS <= ts < end_s * _NS:
            after.append(event.fee_msat)
    return WindowStats.of(before), WindowStats.of(after)


def assess(
    *,
    chan_id: int,
    changed_at_s: int,
    now_s: int,
    window_s: int,
    forwards: Sequence[ForwardingEvent],
    control_chan_ids: Collection[int],
    drop_threshold: float,
    min_forwards: int,
    alpha: float = 0.05,
) -> RollbackAssessment:
    """Judge one changed channel; ``forwards`` may hold every forward of the node."""
    start, end = changed_at_s - window_s, changed_at_s + window_s
    ch_before, ch_after = _split(forwards, {chan_id}, start, changed_at_s, end)
    controls = set(control_chan_ids) - {chan_id}
    co_before, co_after = _split(forwards, controls, start, changed_at_s, end)

    def result(verdict: Verdict, reason: str, **extra: float | None) -> RollbackAssessment:
        return RollbackAssessment(
            verdict,
            reason,
            window_s,
            ch_before,
            ch_after,
            co_before,
            co_after,
            **extra,
        )

    if now_s < end:
        return result(Verdict.WATCHING, f"watch window ends in {end - now_s} s")
    if ch_before.forwards < min_forwards:
        return result(
            Verdict.INSUFFICIENT_DATA,
            f"{ch_before.forwards} forwards before the change, fewer than the {min_forwards} needed",
        )
    rev_control = control_ratio(co_before.revenue_msat, co_after.revenue_msat)
    fwd_control = control_ratio(co_before.forwards, co_after.forwards)
    rev_expected = rev_control if rev_control is not None else 1.0
    fwd_expected = fwd_control if fwd_control is not None else 1.0
    control_note = "" if rev_control is not None else " (no control: the untouched channels earned nothing)"
    fwd_p = rate_ratio_p_value(ch_after.forwards, ch_before.forwards, fwd_expected)
    fwd_adj = (ch_after.forwards / ch_before.forwards) / fwd_expected if fwd_expected > 0 else None
    if rev_expected <= 0 or ch_before.revenue_msat <= 0:
        return result(
            Verdict.INSUFFICIENT_DATA,
            "no revenue to compare: the control or the channel earned nothing" + control_note,
            forwards_ratio_adjusted=fwd_adj,
            forwards_p_value=fwd_p,
        )
    rev_adj = (ch_after.revenue_msat / ch_before.revenue_msat) / rev_expected
    rev_p = revenue_p_value(ch_after, ch_before, rev_expected)
    stats = {
        "revenue_ratio_adjusted": rev_adj,
        "forwards_ratio_adjusted": fwd_adj,
        "revenue_p_value": rev_p,
        "forwards_p_value": fwd_p,
    }
    summary = (
        f"revenue {ch_before.revenue_msat} -> {ch_after.revenue_msat} msat, forwards "
        f"{ch_before.forwards} -> {ch_after.forwards}; control-adjusted revenue ratio {rev_adj:.2f} "
        f"(p={rev_p:.3g}), forwards ratio {fwd_adj if fwd_adj is None else round(fwd_adj, 2)} "
        f"(p={fwd_p:.3g}){control_note}"
    )
    if rev_adj < 1.0 - drop_threshold and rev_p < alpha:
        return result(
            Verdict.ROLLBACK, f"revenue fell beyond the {drop_threshold:.0%} threshold: {summary}", **stats
        )
    forwards_collapsed = fwd_adj is not None and fwd_adj < 1.0 - drop_threshold and fwd_p < alpha
    # The upper tail of the same z-test, trusted only on as many forwards as a baseline needs: a
    # few payments that accepted an outlandish fee demonstrate nothing.
    revenue_rose = ch_after.forwards >= min_forwards and 1.0 - rev_p < alpha
    if forwards_collapsed and not revenue_rose:
        return result(
            Verdict.ROLLBACK,
            f"forwards fell beyond the {drop_threshold:.0%} threshold and revenue did not rise "
            f"significantly: {summary}",
            **stats,
        )
    if forwards_collapsed:
        return result(Verdict.KEEP, f"fewer forwards but significantly more revenue: {summary}", **stats)
    if rev_adj < 1.0 - drop_threshold:
        return result(Verdict.KEEP, f"revenue fell but not significantly (alpha {alpha}): {summary}", **stats)
    return result(Verdict.KEEP, f"no significant fall: {summary}", **stats)
