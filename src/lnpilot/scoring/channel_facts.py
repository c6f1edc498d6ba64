"""Per-channel figures several heuristics share, computed in one pass over a view.

Activity and reliability both need the window's forwards; liquidity, reliability and age all
need the snapshots in time order. ``channel_facts`` walks the forwards once and the snapshots
once; each heuristic also computes them itself when called alone.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from operator import attrgetter

from lnpilot.domain.channel_view import ChannelView

DAY_S = 86_400
WINDOW_DAYS = 30
WINDOW_S = WINDOW_DAYS * DAY_S
# Each forward counts with a weight that halves every HALF_LIFE_DAYS of age.
HALF_LIFE_DAYS = 10.0
# Balance volatility is measured over the last week of snapshots.
VOLATILITY_WINDOW_S = 7 * DAY_S


@dataclass(frozen=True, slots=True)
class Flow:
    """The channel's forwards in the last ``WINDOW_DAYS`` (and the last one at any time)."""

    count: int = 0
    outgoing: int = 0
    weighted_count: float = 0.0
    weighted_volume_sat: float = 0.0
    weighted_fees_sat: float = 0.0
    volume_sat: float = 0.0
    fees_sat: float = 0.0
    early_volume_sat: float = 0.0  # first half of the window
    late_volume_sat: float = 0.0  # second half
    last_seen: float | None = None  # unix seconds of the latest forward, any age


@dataclass(frozen=True, slots=True)
class SnapshotSummary:
    """What the stored snapshots (up to ``now``) say, gathered in one pass in time order."""

    count: int = 0
    recent_count: int = 0  # in the last WINDOW_S
    recent_active: int = 0
    disconnections: int = 0  # active -> inactive between consecutive recent snapshots
    capacity_changes: int = 0  # between consecutive snapshots, and the last one vs the channel now
    # Local ratios of the snapshots in VOLATILITY_WINDOW_S: count, sum and sum of squares.
    ratio_count: int = 0
    ratio_sum: float = 0.0
    ratio_sum_sq: float = 0.0
    latest_uptime: tuple[int, int] | None = None  # (uptime_s, lifetime_s) of the latest that has both

    @property
    def volatility(self) -> float | None:
        """Population standard deviation of the local ratio (None: fewer than two snapshots)."""
        if self.ratio_count < 2:
            return None
        mean = self.ratio_sum / self.ratio_count
        return math.sqrt(max(0.0, self.ratio_sum_sq / self.ratio_count - mean * mean))


@dataclass(frozen=True, slots=True)
class ChannelFacts:
    snapshots: SnapshotSummary
    flow: Flow


def flow_of(view: ChannelView) -> Flow:
    now = view.now
    chan_id = view.channel.chan_id
    window_start = now - WINDOW_S
    midpoint = now - WINDOW_S // 2
    decay_per_s = math.log(2) / (HALF_LIFE_DAYS * DAY_S)
    count = outgoing_count = 0
    weighted_count = weighted_volume = weighted_fees = volume = fees = early = late = 0.0
    last_seen: float | None = None
    # One plain loop: it runs for every forward of every channel on each cycle.
    for fwd in view.forwards:
        outgoing = fwd.chan_id_out == chan_id
        if not outgoing and fwd.chan_id_in != chan_id:
            continue  # another channel's forward
        at = fwd.timestamp_ns / 1e9
        if at > now:
            continue  # from a clock ahead of ours
        if last_seen is None or at > last_seen:
            last_seen = at
        if at < window_start:
            continue
        if outgoing:
            amount_sat = fwd.amt_out_msat / 1000
            # The fee is earned on the outgoing side (as LND's fee report books it).
            fee_sat = fwd.fee_msat / 1000
            outgoing_count += 1
        else:
            amount_sat = fwd.amt_in_msat / 1000
            fee_sat = 0.0
        weight = math.exp((at - now) * decay_per_s)
        count += 1
        weighted_count += weight
        weighted_volume += weight * amount_sat
        weighted_fees += weight * fee_sat
        volume += amount_sat
        fees += fee_sat
        if at >= midpoint:
            late += amount_sat
        else:
            early += amount_sat
    return Flow(
        count,
        outgoing_count,
        weighted_count,
        weighted_volume,
        weighted_fees,
        volume,
        fees,
        early,
        late,
        last_seen,
    )


def summarise_snapshots(view: ChannelView) -> SnapshotSummary:
    snapshots = view.snapshots
    # Stored snapshots come oldest first; sort only when they do not.
    if any(a.taken_at > b.taken_at for a, b in itertools.pairwise(snapshots)):
        snapshots = tuple(sorted(snapshots, key=attrgetter("taken_at")))
    now = view.now
    recent_start = now - WINDOW_S
    ratio_start = now - VOLATILITY_WINDOW_S
    count = recent = active = disconnections = changes = ratio_count = 0
    ratio_sum = ratio_sum_sq = 0.0
    previous_active: bool | None = None
    previous_capacity: int | None = None
    latest_uptime: tuple[int, int] | None = None
    for snap in snapshots:
        taken_at = snap.taken_at
        if taken_at > now:
            break  # sorted: the rest is from a clock ahead of ours too
        count += 1
        capacity = snap.capacity_sat
        if previous_capacity is not None and capacity != previous_capacity:
            changes += 1
        previous_capacity = capacity
        if snap.uptime_s is not None and snap.lifetime_s:
            latest_uptime = (snap.uptime_s, snap.lifetime_s)
        if taken_at >= recent_start:
            recent += 1
            if snap.active:
                active += 1
            elif previous_active:
                disconnections += 1
            previous_active = snap.active
        if taken_at >= ratio_start and capacity > 0:
            ratio = snap.local_balance_sat / capacity
            ratio_count += 1
            ratio_sum += ratio
            ratio_sum_sq += ratio * ratio
    if previous_capacity is not None and view.channel.capacity_sat != previous_capacity:
        changes += 1
    return SnapshotSummary(
        count, recent, active, disconnections, changes, ratio_count, ratio_sum, ratio_sum_sq, latest_uptime
    )


def channel_facts(view: ChannelView) -> ChannelFacts:
    return ChannelFacts(summarise_snapshots(view), flow_of(view))
