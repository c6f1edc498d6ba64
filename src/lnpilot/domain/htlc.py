"""HTLC events as LND's ``SubscribeHtlcEvents`` reports them, and the windows a subscription covered.

LND never stores failed forwards; a tool that wants them must stay subscribed, so what lnpilot
knows about failures is exactly what its subscription windows covered: outside them a count is
unknown (a gap), never zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field

LIQUIDITY_DETAIL = "INSUFFICIENT_BALANCE"

# Why a forward failed on our side, from LND's link_fail ``wire_failure`` / ``failure_detail``
# (htlcswitch/link.go CheckHtlcForward and canSendHtlc, switch.go handlePacketAdd):
LIQUIDITY = "liquidity"  # TEMPORARY_CHANNEL_FAILURE + INSUFFICIENT_BALANCE: our side was short
FEE = "fee"  # FEE_INSUFFICIENT: the sender paid less than our fee (a stale, lower fee from gossip)
TIME_LOCK = "time_lock"  # INCORRECT_CLTV_EXPIRY, EXPIRY_TOO_SOON, EXPIRY_TOO_FAR
INACTIVE = "inactive"  # UNKNOWN_NEXT_PEER (no link: peer offline), CHANNEL_DISABLED
OTHER = "other"  # anything else (HTLC above our max, below our min, node failures, ...)
FAILURE_KINDS = (LIQUIDITY, FEE, TIME_LOCK, INACTIVE, OTHER)
_BY_WIRE = {
    "FEE_INSUFFICIENT": FEE,
    "INCORRECT_CLTV_EXPIRY": TIME_LOCK,
    "EXPIRY_TOO_SOON": TIME_LOCK,
    "EXPIRY_TOO_FAR": TIME_LOCK,
    "UNKNOWN_NEXT_PEER": INACTIVE,
    "CHANNEL_DISABLED": INACTIVE,
}


def failure_kind(wire_failure: str | None, failure_detail: str | None) -> str:
    """One of ``FAILURE_KINDS`` for a link failure."""
    if failure_detail == LIQUIDITY_DETAIL:
        return LIQUIDITY
    return _BY_WIRE.get(wire_failure or "", OTHER)


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

    @property
    def failure_kind(self) -> str | None:
        """Why a link_fail happened (``FAILURE_KINDS``); None for the other events."""
        return failure_kind(self.wire_failure, self.failure_detail) if self.kind == "link_fail" else None


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
    other: int  # every failure that is not a liquidity one (``by_kind`` splits them)
    missed_fees_msat: int  # what the liquidity failures would have earned at the fee of the day
    covered_s: int  # seconds of the window a subscription covered
    window_s: int
    by_kind: dict[str, int] = field(default_factory=dict)  # every kind of FAILURE_KINDS, zeros too

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
