"""A channel's measured response to its own fee: what each fee level earned while it was set.

Pure. From the stored view (policy history, forwards, balance snapshots) the window is cut into
*segments*, one per fee rate that was in force. Each segment knows how long the channel could
actually sell (``available_s``: time its usable outbound was above the drained threshold, because
demand is not observable on a channel with nothing to sell), what it earned, how many forwards
paid, and the sum of squared fees (the compound-Poisson variance of the revenue).

Evidence is *discounted*: a forward or a second of exposure ``age`` seconds old weighs
``0.5 ** (age / half_life_s)``. That is the documented forgetting rate for non-stationary demand
(docs/decisions.md, "Forgetting").
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass

from lnpilot.domain.channel_view import ChannelView

NS = 1_000_000_000
# A channel whose usable outbound is below this share of capacity cannot serve a typical payment:
# the time it spends there says nothing about demand at its fee (censored, not zero).
DRAINED_SHARE = 0.05


@dataclass(frozen=True, slots=True)
class Segment:
    """One fee rate in force over ``[start_s, end_s)``."""

    start_s: int
    end_s: int
    fee_ppm: int
    available_s: float  # seconds the channel had something to sell
    drained_s: float  # seconds it had (almost) nothing
    revenue_msat: int
    revenue_sq_msat2: int
    forwards: int
    out_msat: int
    in_msat: int


@dataclass(frozen=True, slots=True)
class Evidence:
    """Discounted totals for one fee level (one segment or a window of one)."""

    fee_ppm: int
    exposure_days: float  # discounted available days
    revenue_msat: float
    revenue_sq_msat2: float
    forwards: float
    drained_share: float  # of the (undiscounted) time at this level

    @property
    def rate_msat_per_day(self) -> float:
        return self.revenue_msat / self.exposure_days if self.exposure_days > 0 else 0.0

    def sd_msat_per_day(self, typical_fee_msat: float) -> float:
        """Standard error of the rate; one pseudo-forward of ``typical_fee_msat`` keeps zero honest."""
        if self.exposure_days <= 0:
            return math.inf
        return math.sqrt(self.revenue_sq_msat2 + typical_fee_msat**2) / self.exposure_days


def fee_at(view: ChannelView) -> list[tuple[int, int]]:
    """``(from_s, fee_ppm)`` steps of the channel's own fee rate, oldest first.

    The first step starts at 0 with the oldest known ``old`` fee (or the current one when the
    history holds no change).
    """
    changes = sorted(view.policy_changes, key=lambda c: c.changed_at)
    current = view.policy.fee_rate_ppm if view.policy is not None else None
    first = next((c.old.fee_rate_ppm for c in changes if c.old is not None), None)
    start = first if first is not None else (changes[0].new.fee_rate_ppm if changes else current)
    if start is None:
        return []
    steps = [(0, start)]
    for change in changes:
        if change.new.fee_rate_ppm != steps[-1][1]:
            steps.append((change.changed_at, change.new.fee_rate_ppm))
    if current is not None and current != steps[-1][1]:
        # The live policy differs from the stored history's last entry: it holds from now on.
        steps.append((view.now, current))
    return steps


def _drained_steps(view: ChannelView) -> list[tuple[int, bool]]:
    out = []
    for snap in sorted(view.snapshots, key=lambda s: s.taken_at):
        usable = max(0, snap.local_balance_sat - view.channel.local_chan_reserve_sat)
        out.append((snap.taken_at, usable < DRAINED_SHARE * max(snap.capacity_sat, 1)))
    return out


def _drained_seconds(steps: list[tuple[int, bool]], start: int, end: int) -> float:
    """Seconds of ``[start, end)`` the snapshots show the channel drained (before any: not)."""
    if end <= start or not steps:
        return 0.0
    times = [t for t, _ in steps]
    total = 0.0
    i = max(bisect_right(times, start) - 1, 0)
    while i < len(steps):
        at, drained = steps[i]
        nxt = steps[i + 1][0] if i + 1 < len(steps) else end
        lo, hi = max(at, start), min(nxt, end)
        if at >= end:
            break
        if drained and hi > lo:
            total += hi - lo
        i += 1
    return total


def segments(view: ChannelView, window_s: int) -> list[Segment]:
    """The fee segments of the last ``window_s`` seconds, oldest first (empty without a policy)."""
    now = view.now
    since = now - window_s
    steps = fee_at(view)
    if not steps:
        return []
    chan_id = view.channel.chan_id
    drained = _drained_steps(view)
    bounds = []
    for i, (at, fee) in enumerate(steps):
        end = steps[i + 1][0] if i + 1 < len(steps) else now
        lo, hi = max(at, since), min(end, now)
        if hi > lo:
            bounds.append((lo, hi, fee))
    out: list[Segment] = []
    starts = [b[0] for b in bounds]
    acc = [[0, 0, 0, 0, 0] for _ in bounds]
    for event in view.forwards:
        t = event.timestamp_ns // NS
        if t < since or t >= now:
            continue
        k = bisect_right(starts, t) - 1
        if k < 0:
            continue
        row = acc[k]
        if event.chan_id_out == chan_id:
            row[0] += event.fee_msat
            row[1] += event.fee_msat * event.fee_msat
            row[2] += 1
            row[3] += event.amt_out_msat
        if event.chan_id_in == chan_id:
            row[4] += event.amt_in_msat
    for (lo, hi, fee), (rev, sq, count, out_msat, in_msat) in zip(bounds, acc, strict=True):
        dry = _drained_seconds(drained, lo, hi)
        out.append(Segment(lo, hi, fee, (hi - lo) - dry, dry, rev, sq, count, out_msat, in_msat))
    return out


def weight(age_s: float, half_life_s: float) -> float:
    return float(0.5 ** (max(age_s, 0.0) / half_life_s))


def evidence(
    view: ChannelView,
    segs: list[Segment],
    fee_ppm: int,
    half_life_s: float,
    *,
    since_s: int | None = None,
    until_s: int | None = None,
    tolerance: float = 0.0,
) -> Evidence:
    """Discounted evidence for ``fee_ppm`` (segments within ``tolerance`` in log-fee), clipped to a span.

    Exposure is discounted at each segment's midpoint (a segment is short next to the half-life);
    revenue forward by forward.
    """
    now = view.now
    lo_s = since_s if since_s is not None else -math.inf
    hi_s = until_s if until_s is not None else math.inf
    chan_id = view.channel.chan_id
    exposure = revenue = sq = count = 0.0
    total_s = dry_s = 0.0
    chosen: list[tuple[float, float]] = []
    for seg in segs:
        if abs(math.log(max(seg.fee_ppm, 1) / max(fee_ppm, 1))) > tolerance + 1e-9:
            continue
        start, end = max(seg.start_s, lo_s), min(seg.end_s, hi_s)
        if end <= start:
            continue
        share = (end - start) / max(seg.end_s - seg.start_s, 1)
        avail = seg.available_s * share
        exposure += avail / 86_400 * weight(now - (start + end) / 2, half_life_s)
        total_s += end - start
        dry_s += seg.drained_s * share
        chosen.append((start, end))
    if chosen:
        for event in view.forwards:
            if event.chan_id_out != chan_id:
                continue
            t = event.timestamp_ns / NS
            if any(a <= t < b for a, b in chosen):
                w = weight(now - t, half_life_s)
                revenue += w * event.fee_msat
                sq += w * w * event.fee_msat * event.fee_msat
                count += w
    return Evidence(fee_ppm, exposure, revenue, sq, count, dry_s / total_s if total_s else 0.0)
