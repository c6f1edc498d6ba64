"""Every HTLC that reaches our simulated node, as LND's ``SubscribeHtlcEvents`` reports it.

The engine records what happens (a forward settles; a forward fails on our side for liquidity, the
fee, the time lock or an inactive channel) and this log keeps it with LND's numbering; the REST
route (``lnd_htlc_routes``) streams it as LND's gateway does: newline-delimited
``{"result": HtlcEvent}`` objects, uint64 as strings, enums by name, bytes base64
(``../shared/specs/lnd/lnd_router.swagger.json.gz``, ``routerrpcHtlcEvent``).

LND's own semantics, mirrored:
- a forward that settles: ``forward_event`` (FORWARD, both channels and HTLC ids, ``info`` with
  amounts and time locks), then ``settle_event`` (the preimage), then ``final_htlc_event``
  (``settled: true, offchain: true``) for the incoming HTLC;
- a forward our node refuses: one ``link_fail_event`` with ``wire_failure`` (BOLT 4 code),
  ``failure_detail`` and ``failure_string``, then ``final_htlc_event`` (``settled: false``);
- ``final_htlc_event`` carries only the incoming circuit and no event type (``UNKNOWN``): LND's
  ``rpcHtlcEvent`` sets a type for the other events only.

What each refusal looks like is LND's (``htlcswitch/switch.go`` handlePacketAdd,
``htlcswitch/link.go`` CheckHtlcForward/canSendHtlc, ``lnrpc/routerrpc/subscribe_events.go``):
- liquidity: TEMPORARY_CHANNEL_FAILURE, INSUFFICIENT_BALANCE, "insufficient bandwidth to route htlc"
  (a detailed link error: the failure string is the detail's);
- fee: FEE_INSUFFICIENT, NO_DETAIL, the wire message's ``Error()``:
  ``FeeInsufficient(htlc_amt==<amt> mSAT, update=<spew dump of our channel_update>``;
- time lock: INCORRECT_CLTV_EXPIRY, NO_DETAIL, ``IncorrectCltvExpiry(expiry=<incoming cltv>, update=...``;
- inactive (the peer is offline, so the switch has no link for the channel): UNKNOWN_NEXT_PEER,
  NO_DETAIL, "UnknownNextPeer". (LND answers CHANNEL_DISABLED only when started with
  ``--rejecthtlc``, and UNKNOWN_NEXT_PEER + LINK_NOT_ELIGIBLE for a link that is still
  reestablishing; simnet's peers are either online with a working link or offline.)
LND's unbalanced parenthesis after the dump is LND's own. The dump here holds the channel_update's
policy fields in spew's layout (not the signature or chain hash); lnpilot classifies failures by
``wire_failure`` and ``failure_detail`` and never parses the string.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from collections import deque
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

# The final hop's CLTV delta LND uses by default; the outgoing HTLC carries it plus the rest of the route.
FINAL_CLTV_DELTA = 40


class FailureKind(StrEnum):
    """Why our node refused a forward (the link-level failures simnet models)."""

    LIQUIDITY = "liquidity"  # our side of the outgoing channel could not carry the amount
    FEE = "fee"  # the sender paid a fee below our current one (stale gossip)
    TIME_LOCK = "time_lock"  # the sender's CLTV delta was below our current one
    INACTIVE = "inactive"  # the outgoing channel's peer is offline


# LND's wire failure and failure detail for each kind (the failure string: ``failure_string``).
_FAILURES: dict[FailureKind, tuple[str, str]] = {
    FailureKind.LIQUIDITY: ("TEMPORARY_CHANNEL_FAILURE", "INSUFFICIENT_BALANCE"),
    FailureKind.FEE: ("FEE_INSUFFICIENT", "NO_DETAIL"),
    FailureKind.TIME_LOCK: ("INCORRECT_CLTV_EXPIRY", "NO_DETAIL"),
    FailureKind.INACTIVE: ("UNKNOWN_NEXT_PEER", "NO_DETAIL"),
}


@dataclass(frozen=True, slots=True)
class ChannelUpdate:
    """The fields of our channel_update that LND's fee and time-lock failures carry."""

    chan_id: int
    timestamp: int
    direction: int  # 0: we are node 1 of the channel, 1: node 2
    disabled: bool
    time_lock_delta: int
    min_htlc_msat: int
    base_fee_msat: int
    fee_rate_ppm: int
    max_htlc_msat: int

    def spew(self) -> str:
        """``spew.Sdump(lnwire.ChannelUpdate1)``'s layout for the policy fields (Stringers applied)."""
        scid = f"{self.chan_id >> 40}:{(self.chan_id >> 16) & 0xFFFFFF}:{self.chan_id & 0xFFFF}"
        flags = self.direction | (2 if self.disabled else 0)
        return (
            "(lnwire.ChannelUpdate1) {\n"
            f" ShortChannelID: (lnwire.ShortChannelID) {scid},\n"
            f" Timestamp: (uint32) {self.timestamp},\n"
            " MessageFlags: (lnwire.ChanUpdateMsgFlags) 00000001,\n"
            f" ChannelFlags: (lnwire.ChanUpdateChanFlags) {flags:08b},\n"
            f" TimeLockDelta: (uint16) {self.time_lock_delta},\n"
            f" HtlcMinimumMsat: (lnwire.MilliSatoshi) {self.min_htlc_msat} mSAT,\n"
            f" BaseFee: (uint32) {self.base_fee_msat},\n"
            f" FeeRate: (uint32) {self.fee_rate_ppm},\n"
            f" HtlcMaximumMsat: (lnwire.MilliSatoshi) {self.max_htlc_msat} mSAT\n"
            "}\n"
        )


def failure_string(
    kind: FailureKind, amt_out_msat: int, incoming_timelock: int, update: ChannelUpdate | None
) -> str:
    """``LinkError.Error()`` as LND's routerrpc puts it in ``failure_string``."""
    if kind is FailureKind.LIQUIDITY:
        return "insufficient bandwidth to route htlc"  # OutgoingFailureInsufficientBalance
    if kind is FailureKind.INACTIVE:
        return "UnknownNextPeer"  # FailUnknownNextPeer: the code's name
    dump = update.spew() if update is not None else "(lnwire.ChannelUpdate1) {\n}\n"
    if kind is FailureKind.FEE:
        return f"FeeInsufficient(htlc_amt=={amt_out_msat} mSAT, update={dump}"
    return f"IncorrectCltvExpiry(expiry={incoming_timelock}, update={dump}"


@dataclass(frozen=True, slots=True)
class SimHtlcEvent:
    seq: int  # position in the log (1-based), for streaming from where a reader left off
    kind: str  # forward | settle | final | link_fail
    timestamp_ns: int
    incoming_channel_id: int
    outgoing_channel_id: int
    incoming_htlc_id: int
    outgoing_htlc_id: int
    incoming_amt_msat: int = 0
    outgoing_amt_msat: int = 0
    incoming_timelock: int = 0
    outgoing_timelock: int = 0
    failure: FailureKind | None = None
    failure_string: str = ""
    settled: bool = False
    preimage: bytes = b""


class HtlcEventLog:
    """A bounded, thread-safe log of HTLC events (the engine writes, the server streams).

    ``failures`` counts every refusal per kind and outgoing channel, also those the bounded log has
    already dropped: it is the ground truth a subscriber's store is checked against.
    """

    def __init__(self, maxlen: int = 200_000) -> None:
        self._events: deque[SimHtlcEvent] = deque(maxlen=maxlen)
        self._lock = threading.Lock()
        self._seq = 0
        self.failures: dict[FailureKind, dict[int, int]] = {kind: {} for kind in FailureKind}

    @property
    def failed_for_liquidity(self) -> dict[int, int]:
        return self.failures[FailureKind.LIQUIDITY]

    @property
    def last_seq(self) -> int:
        return self._seq

    def _add(self, kind: str, **fields: Any) -> None:
        self._seq += 1
        self._events.append(SimHtlcEvent(seq=self._seq, kind=kind, **fields))

    def forward(
        self,
        timestamp_ns: int,
        chan_in: int,
        chan_out: int,
        htlc_in: int,
        htlc_out: int,
        amt_in_msat: int,
        amt_out_msat: int,
        block_height: int,
        time_lock_delta: int,
    ) -> None:
        """A forward that settled: forward, settle and final events."""
        ids = {
            "incoming_channel_id": chan_in,
            "outgoing_channel_id": chan_out,
            "incoming_htlc_id": htlc_in,
            "outgoing_htlc_id": htlc_out,
        }
        outgoing_timelock = block_height + FINAL_CLTV_DELTA
        with self._lock:
            self._add(
                "forward",
                timestamp_ns=timestamp_ns,
                incoming_amt_msat=amt_in_msat,
                outgoing_amt_msat=amt_out_msat,
                incoming_timelock=outgoing_timelock + time_lock_delta,
                outgoing_timelock=outgoing_timelock,
                **ids,
            )
            # The preimage is derived, not random, so a run is reproducible from its seed.
            preimage = hashlib.sha256(f"{chan_in}:{htlc_in}:{timestamp_ns}".encode()).digest()
            self._add("settle", timestamp_ns=timestamp_ns, preimage=preimage, **ids)
            self._add(
                "final",
                timestamp_ns=timestamp_ns,
                settled=True,
                incoming_channel_id=chan_in,
                outgoing_channel_id=0,
                incoming_htlc_id=htlc_in,
                outgoing_htlc_id=0,
            )

    def link_fail(
        self,
        timestamp_ns: int,
        chan_in: int,
        chan_out: int,
        htlc_in: int,
        amt_in_msat: int,
        amt_out_msat: int,
        block_height: int,
        time_lock_delta: int,
        failure: FailureKind,
        update: ChannelUpdate | None = None,
    ) -> None:
        """A forward our node refused: link_fail and final (not settled) events.

        ``time_lock_delta`` is the delta the sender used (for a time-lock failure: the stale one);
        ``update`` is our channel_update the fee and time-lock failures carry back.
        """
        outgoing_timelock = block_height + FINAL_CLTV_DELTA
        incoming_timelock = outgoing_timelock + time_lock_delta
        text = failure_string(failure, amt_out_msat, incoming_timelock, update)
        with self._lock:
            counts = self.failures[failure]
            counts[chan_out] = counts.get(chan_out, 0) + 1
            self._add(
                "link_fail",
                timestamp_ns=timestamp_ns,
                incoming_channel_id=chan_in,
                outgoing_channel_id=chan_out,
                incoming_htlc_id=htlc_in,
                outgoing_htlc_id=0,  # never added to the outgoing channel
                incoming_amt_msat=amt_in_msat,
                outgoing_amt_msat=amt_out_msat,
                incoming_timelock=incoming_timelock,
                outgoing_timelock=outgoing_timelock,
                failure=failure,
                failure_string=text,
            )
            self._add(
                "final",
                timestamp_ns=timestamp_ns,
                settled=False,
                incoming_channel_id=chan_in,
                outgoing_channel_id=0,
                incoming_htlc_id=htlc_in,
                outgoing_htlc_id=0,
            )

    def since(self, seq: int, limit: int = 5_000) -> list[SimHtlcEvent]:
        """Events after ``seq`` (oldest first); a reader that fell behind the bound loses the oldest."""
        with self._lock:
            if not self._events or self._events[-1].seq <= seq:
                return []
            start = max(0, seq - self._events[0].seq + 1)
            return [self._events[i] for i in range(start, min(len(self._events), start + limit))]


def _u64(value: int) -> str:
    return str(int(value))


def _info(event: SimHtlcEvent) -> dict[str, Any]:
    return {
        "incoming_timelock": event.incoming_timelock,
        "outgoing_timelock": event.outgoing_timelock,
        "incoming_amt_msat": _u64(event.incoming_amt_msat),
        "outgoing_amt_msat": _u64(event.outgoing_amt_msat),
    }


def to_wire(event: SimHtlcEvent) -> dict[str, Any]:
    """One ``routerrpcHtlcEvent`` as LND's REST gateway writes it (all fields, proto3 defaults)."""
    body: dict[str, Any] = {
        "incoming_channel_id": _u64(event.incoming_channel_id),
        "outgoing_channel_id": _u64(event.outgoing_channel_id),
        "incoming_htlc_id": _u64(event.incoming_htlc_id),
        "outgoing_htlc_id": _u64(event.outgoing_htlc_id),
        "timestamp_ns": _u64(event.timestamp_ns),
        # a final event has no type in LND (rpcHtlcEvent leaves it at the zero value)
        "event_type": "UNKNOWN" if event.kind == "final" else "FORWARD",
    }
    if event.kind == "forward":
        body["forward_event"] = {"info": _info(event)}
    elif event.kind == "settle":
        body["settle_event"] = {"preimage": base64.b64encode(event.preimage).decode()}
    elif event.kind == "final":
        body["final_htlc_event"] = {"settled": event.settled, "offchain": True}
    elif event.kind == "link_fail":
        assert event.failure is not None
        wire_failure, detail = _FAILURES[event.failure]
        body["link_fail_event"] = {
            "info": _info(event),
            "wire_failure": wire_failure,
            "failure_detail": detail,
            "failure_string": event.failure_string,
        }
    else:  # pragma: no cover - the log writes only the kinds above
        raise ValueError(f"unknown HTLC event kind {event.kind!r}")
    return body


def subscribed_wire() -> dict[str, Any]:
    """The first message of every subscription (LND sends it once the stream is set up)."""
    return {
        "incoming_channel_id": "0",
        "outgoing_channel_id": "0",
        "incoming_htlc_id": "0",
        "outgoing_htlc_id": "0",
        "timestamp_ns": "0",
        "event_type": "UNKNOWN",
        "subscribed_event": {},
    }
