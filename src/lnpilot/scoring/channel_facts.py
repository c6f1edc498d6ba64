"""Per-channel figures several heuristics share, computed in one pass over a view.

Activity and reliability both need the window's forwards; liquidity, reliability and age all
need the snapshots in time order. ``channel_facts`` walks the forwards once and sorts the
snapshots once; each heuristic also computes them itself when called alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from operator import attrgetter

from lnpilot.domain.channel_view import ChannelSnapshot, ChannelView

DAY_S = 86_400
WINDOW_DAYS = 30
WINDOW_S = WINDOW_DAYS * DAY_S
# Each forward counts with a weight that halves every HALF_LIFE_DAYS of age.
HALF_LIFE_DAYS = 10.0


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
class ChannelFacts:
    snapshots: tuple[ChannelSnapshot, ...]  # oldest first, none after ``now``
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


def sorted_snapshots(view: ChannelView) -> tuple[ChannelSnapshot, ...]:
    now = view.now
    return tuple(sorted((s for s in view.snapshots if s.taken_at <= now), key=attrgetter("taken_at")))


def channel_facts(view: ChannelView) -> ChannelFacts:
    return ChannelFacts(sorted_snapshots(view), flow_of(view))
