"""HTLC events as LND's ``SubscribeHtlcEvents`` reports them, and the windows a subscription covered.

LND never stores failed forwards; a tool that wants them must stay subscribed, so what lnpilot
knows about failures is exactly what its subscription windows covered: outside them a count is
unknown (a gap), never zero.
"""

from __future__ import annotations

from dataclasses import dataclass

LIQUIDITY_DETAIL = "INSUFFICIENT_BALANCE"


@dataclass(frozen=True, slots=True)
class HtlcEvent:
    timestamp_ns: int
    kind: str  # forward | forward_fail | settle | link_fail | final | subscribed
    event_type: str  # FORWARD | SEND | RECEIVE | UNKNOWN
    incoming_chan_id: int
    outgoing_chan_id: int
    incoming_htlc_id: int
    outgoing_htlc_id: int
    incoming_amt_msat: int | None = None  # forward and link_fail events carry amounts
    outgoing_amt_msat: int | None = None
    wire_failure: str | None = None  # link_fail only
    failure_detail: str | None = None
    failure_string: str | None = None
    settled: bool | None = None  # final only

    @property
    def is_liquidity_failure(self) -> bool:
        """A forward refused because our side of the outgoing channel could not carry it."""
        return self.kind == "link_fail" and self.failure_detail == LIQUIDITY_DETAIL


@dataclass(frozen=True, slots=True)
class CoverageWindow:
    """A span during which the subscription was connected (``ended_at_s`` None: still open)."""

    started_at_s: int
    ended_at_s: int | None
    end_reason: str = ""


@dataclass(frozen=True, slots=True)
class ChannelFailures:
    """Forwards that wanted to leave through one channel and failed on our side, in a window."""

    chan_id: int
    liquidity: int
    other: int
    missed_fees_msat: int  # what the liquidity failures would have earned at the fee of the day
    covered_s: int  # seconds of the window a subscription covered
    window_s: int

    @property
    def gap_s(self) -> int:
        return self.window_s - self.covered_s


def covered_seconds(windows: list[CoverageWindow], since_s: int, until_s: int) -> int:
    """Seconds of [since_s, until_s) inside any window (windows may overlap)."""
    spans = sorted(
        (max(w.started_at_s, since_s), min(w.ended_at_s if w.ended_at_s is not None else until_s, until_s))
        for w in windows
    )
    total, cursor = 0, since_s
    for start, end in spans:
        start = max(start, cursor)
        if end > start:
            total += end - start
            cursor = end
    return total
