"""Measurements the rules read from a ChannelView: balance, flow, earnings, how much history we have.

Forward fees are credited to the *outgoing* channel: that is the liquidity the fee paid for.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from itertools import accumulate

from lnpilot.decisions.profiles import Profile
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


def flows(view: ChannelView, windows: tuple[tuple[float, int], ...]) -> tuple[Flow, ...]:
    """Several ``(window_s, end_s)`` windows from one sort and prefix sums (the hot path of a batch)."""
    chan_id = view.channel.chan_id
    rows = sorted(
        (
            e.timestamp_ns,
            e.amt_out_msat if e.chan_id_out == chan_id else 0,
            e.amt_in_msat if e.chan_id_in == chan_id else 0,
            e.fee_msat if e.chan_id_out == chan_id else 0,
            1 if e.chan_id_out == chan_id else 0,
        )
        for e in view.forwards
    )
    if not rows:
        return tuple(Flow(int(w), 0, 0, 0, 0) for w, _ in windows)
    times, *columns = zip(*rows, strict=True)
    sums = [list(accumulate(column, initial=0)) for column in columns]
    out: list[Flow] = []
    for window_s, end_s in windows:
        end_ns = end_s * 1_000_000_000
        i = bisect_left(times, end_ns - int(window_s * 1_000_000_000))
        j = bisect_left(times, end_ns)
        out_msat, in_msat, earned, count = (s[j] - s[i] for s in sums)
        out.append(Flow(int(window_s), out_msat, in_msat, earned, count))
    return tuple(out)


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


@dataclass(frozen=True, slots=True)
class Measures:
    """Every window the rules read, measured once per channel."""

    recent: Flow  # the profile's flow window
    budget: Flow  # the rebalance budget window
    close_whole: Flow  # the close window
    close_first: Flow  # its older half
    close_second: Flow  # its newer half
    span_s: int | None  # history_span_s


def measure(view: ChannelView, profile: Profile) -> Measures:
    now = view.now
    close_s = profile.close_window_days * DAY_S
    half_s = close_s / 2
    recent, budget, whole, first, second = flows(
        view,
        (
            (profile.flow_window_days * DAY_S, now),
            (profile.budget_window_days * DAY_S, now),
            (close_s, now),
            (half_s, now - int(half_s)),
            (half_s, now),
        ),
    )
    return Measures(recent, budget, whole, first, second, history_span_s(view))
