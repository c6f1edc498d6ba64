"""Measurements the rules read from a ChannelView: balance, flow, earnings, how much history we have.

Forward fees are credited to the *outgoing* channel: that is the liquidity the fee paid for.
"""

from __future__ import annotations

from dataclasses import dataclass

from lnpilot.domain.channel_view import ChannelView

DAY_S = 86_400
BLOCK_S = 600  # mean block interval; only used to turn a funding height into an age


@dataclass(frozen=True, slots=True)
class Flow:
    """Forwards through one channel in ``[now - window_s, now)``."""

    window_s: int
    out_msat: int  # amount that left through this channel
    in_msat: int  # amount that arrived through this channel
    earned_msat: int  # fees of forwards that left through this channel
    out_count: int

    @property
    def net_out_msat(self) -> int:
        return self.out_msat - self.in_msat


def flow(view: ChannelView, window_s: float, *, end_s: int | None = None) -> Flow:
    """Sum the channel's forwards over the ``window_s`` seconds that end at ``end_s`` (default now)."""
    chan_id = view.channel.chan_id
    end_ns = (view.now if end_s is None else end_s) * 1_000_000_000
    start_ns = end_ns - int(window_s * 1_000_000_000)
    out_msat = in_msat = earned = count = 0
    for event in view.forwards:
        if not start_ns <= event.timestamp_ns < end_ns:
            continue
        if event.chan_id_out == chan_id:
            out_msat += event.amt_out_msat
            earned += event.fee_msat
            count += 1
        if event.chan_id_in == chan_id:
            in_msat += event.amt_in_msat
    return Flow(int(window_s), out_msat, in_msat, earned, count)


def history_span_s(view: ChannelView) -> int | None:
    """How long we have known this channel (so an empty forward list means "idle", not "unknown").

    The longest of: the oldest stored snapshot, the backend's channel lifetime, and the age from
    the funding block. ``None`` when none of them is known.
    """
    spans: list[int] = []
    if view.snapshots:
        spans.append(view.now - min(s.taken_at for s in view.snapshots))
    if view.channel.lifetime_s is not None:
        spans.append(view.channel.lifetime_s)
    if view.current_block_height is not None:
        funding_block = view.channel.chan_id >> 40
        if 0 < funding_block <= view.current_block_height:
            spans.append((view.current_block_height - funding_block) * BLOCK_S)
    return max(spans) if spans else None


def earnings_rate(earned_msat: int, capacity_sat: int, days: float) -> float:
    """Fees earned per sat of channel capacity per day (msat/sat/day)."""
    if capacity_sat <= 0 or days <= 0:
        return 0.0
    return earned_msat / capacity_sat / days


def usable_local_sat(view: ChannelView) -> int:
    """Local balance we could actually send: minus our channel reserve, never negative."""
    return max(0, view.channel.local_balance_sat - view.channel.local_chan_reserve_sat)
