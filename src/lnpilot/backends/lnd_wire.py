"""LND REST JSON -> domain values, and domain values -> LND REST request bodies.

LND's JSON encoding (grpc-gateway): 64-bit integers are strings, bytes are base64, enums are
strings, and zero values may be omitted by older versions. Every reader here tolerates a
missing field (zero value) and a number where a string is expected; a value of the wrong shape
raises ``MalformedResponse`` naming the field, never a bare KeyError.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from lnpilot.backends.base import BackendError
from lnpilot.domain.graph import GraphChannel, GraphNode, RoutingPolicy
from lnpilot.domain.ids import parse_channel_point
from lnpilot.domain.node import (
    ChannelFee,
    ClosedChannel,
    FeeReport,
    ForwardingEvent,
    Invoice,
    LocalChannel,
    NodeInfo,
    PaymentResult,
    PaymentStatus,
    PendingHtlc,
)

Json = Mapping[str, Any]


class MalformedResponse(BackendError):
    """The node answered 2xx with a body that is not the documented shape."""

    code = "backend-malformed-response"


def as_int(obj: Json, key: str, default: int = 0) -> int:
    """An LND integer field: JSON string (64-bit) or number (32-bit); absent -> ``default``."""
    value = obj.get(key)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise MalformedResponse(f"field {key!r}: expected an integer, got a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            pass
    raise MalformedResponse(f"field {key!r}: expected an integer, got {type(value).__name__}")


def as_str(obj: Json, key: str) -> str:
    value = obj.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise MalformedResponse(f"field {key!r}: expected a string, got {type(value).__name__}")
    return value


def as_bool(obj: Json, key: str) -> bool:
    value = obj.get(key)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise MalformedResponse(f"field {key!r}: expected a boolean, got {type(value).__name__}")
    return value


def as_list(obj: Json, key: str) -> list[Json]:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise MalformedResponse(f"field {key!r}: expected a list of objects")
    return value


def as_obj(obj: Json, key: str) -> Json | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise MalformedResponse(f"field {key!r}: expected an object")
    return value


def b64_to_hex(obj: Json, key: str) -> str:
    """A ``bytes`` field (standard or URL-safe base64) as lowercase hex."""
    text = as_str(obj, key)
    if not text:
        return ""
    try:
        padded = text + "=" * (-len(text) % 4)
        return base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True).hex()
    except (binascii.Error, ValueError) as exc:
        raise MalformedResponse(f"field {key!r}: not base64") from exc


def hex_to_b64(value_hex: str) -> str:
    return base64.b64encode(bytes.fromhex(value_hex)).decode()


def load_json(body: bytes | str) -> Json:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedResponse("response is not JSON") from exc
    if not isinstance(data, Mapping):
        raise MalformedResponse("response is not a JSON object")
    return data


def parse_info(obj: Json) -> NodeInfo:
    return NodeInfo(
        pub_key=as_str(obj, "identity_pubkey"),
        alias=as_str(obj, "alias"),
        num_active_channels=as_int(obj, "num_active_channels"),
        num_inactive_channels=as_int(obj, "num_inactive_channels"),
        num_pending_channels=as_int(obj, "num_pending_channels"),
        num_peers=as_int(obj, "num_peers"),
        block_height=as_int(obj, "block_height"),
        synced_to_chain=as_bool(obj, "synced_to_chain"),
        version=as_str(obj, "version"),
        color=as_str(obj, "color"),
        best_header_timestamp=as_int(obj, "best_header_timestamp") or None,
    )


def _parse_htlc(obj: Json) -> PendingHtlc:
    return PendingHtlc(
        incoming=as_bool(obj, "incoming"),
        amount_sat=as_int(obj, "amount"),
        expiration_height=as_int(obj, "expiration_height"),
        hash_lock_hex=b64_to_hex(obj, "hash_lock"),
    )


def _optional_seconds(obj: Json, key: str) -> int | None:
    # LND always sends uptime/lifetime; a field that is absent was not measured, not zero.
    return as_int(obj, key) if obj.get(key) not in (None, "") else None


def parse_channel(obj: Json) -> LocalChannel:
    return LocalChannel(
        chan_id=as_int(obj, "chan_id"),
        channel_point=as_str(obj, "channel_point"),
        remote_pubkey=as_str(obj, "remote_pubkey"),
        capacity_sat=as_int(obj, "capacity"),
        local_balance_sat=as_int(obj, "local_balance"),
        remote_balance_sat=as_int(obj, "remote_balance"),
        active=as_bool(obj, "active"),
        private=as_bool(obj, "private"),
        initiator=as_bool(obj, "initiator"),
        commit_fee_sat=as_int(obj, "commit_fee"),
        local_chan_reserve_sat=as_int(obj, "local_chan_reserve_sat"),
        remote_chan_reserve_sat=as_int(obj, "remote_chan_reserve_sat"),
        total_satoshis_sent=as_int(obj, "total_satoshis_sent"),
        total_satoshis_received=as_int(obj, "total_satoshis_received"),
        num_updates=as_int(obj, "num_updates"),
        uptime_s=_optional_seconds(obj, "uptime"),
        lifetime_s=_optional_seconds(obj, "lifetime"),
        pending_htlcs=tuple(_parse_htlc(h) for h in as_list(obj, "pending_htlcs")),
    )


def parse_channels(obj: Json) -> list[LocalChannel]:
    return [parse_channel(c) for c in as_list(obj, "channels")]


def parse_closed_channels(obj: Json) -> list[ClosedChannel]:
    return [
        ClosedChannel(
            chan_id=as_int(c, "chan_id"),
            channel_point=as_str(c, "channel_point"),
            remote_pubkey=as_str(c, "remote_pubkey"),
            capacity_sat=as_int(c, "capacity"),
            close_height=as_int(c, "close_height"),
            settled_balance_sat=as_int(c, "settled_balance"),
            close_type=as_str(c, "close_type") or "COOPERATIVE_CLOSE",
            closing_tx_hash=as_str(c, "closing_tx_hash"),
        )
        for c in as_list(obj, "channels")
    ]


def parse_fee_report(obj: Json) -> FeeReport:
    channels = tuple(
        ChannelFee(
            chan_id=as_int(c, "chan_id"),
            channel_point=as_str(c, "channel_point"),
            base_fee_msat=as_int(c, "base_fee_msat"),
            fee_rate_ppm=as_int(c, "fee_per_mil"),
            inbound_base_fee_msat=as_int(c, "inbound_base_fee_msat"),
            inbound_fee_rate_ppm=as_int(c, "inbound_fee_per_mil"),
        )
        for c in as_list(obj, "channel_fees")
    )
    return FeeReport(
        channels=channels,
        day_fee_sum_sat=as_int(obj, "day_fee_sum"),
        week_fee_sum_sat=as_int(obj, "week_fee_sum"),
        month_fee_sum_sat=as_int(obj, "month_fee_sum"),
    )


def parse_forwarding_event(obj: Json) -> ForwardingEvent:
    timestamp_ns = as_int(obj, "timestamp_ns") or as_int(obj, "timestamp") * 1_000_000_000
    # Old LNDs send only the sat fields; msat is then the sat value scaled (exact, never guessed).
    amt_in_msat = as_int(obj, "amt_in_msat") or as_int(obj, "amt_in") * 1000
    amt_out_msat = as_int(obj, "amt_out_msat") or as_int(obj, "amt_out") * 1000
    fee_msat = as_int(obj, "fee_msat") if obj.get("fee_msat") not in (None, "") else as_int(obj, "fee") * 1000
    return ForwardingEvent(
        timestamp_ns=timestamp_ns,
        chan_id_in=as_int(obj, "chan_id_in"),
        chan_id_out=as_int(obj, "chan_id_out"),
        amt_in_msat=amt_in_msat,
        amt_out_msat=amt_out_msat,
        fee_msat=fee_msat,
    )


def parse_forwarding_page(obj: Json) -> tuple[list[ForwardingEvent], int]:
    events = [parse_forwarding_event(e) for e in as_list(obj, "forwarding_events")]
    return events, as_int(obj, "last_offset_index")


def parse_routing_policy(obj: Json | None) -> RoutingPolicy | None:
    if obj is None:
        return None
    return RoutingPolicy(
        base_fee_msat=as_int(obj, "fee_base_msat"),
        fee_rate_ppm=as_int(obj, "fee_rate_milli_msat"),
        time_lock_delta=as_int(obj, "time_lock_delta"),
        min_htlc_msat=as_int(obj, "min_htlc"),
        max_htlc_msat=as_int(obj, "max_htlc_msat"),
        disabled=as_bool(obj, "disabled"),
        last_update=as_int(obj, "last_update"),
        inbound_base_fee_msat=as_int(obj, "inbound_fee_base_msat"),
        inbound_fee_rate_ppm=as_int(obj, "inbound_fee_rate_milli_msat"),
    )


def parse_edge(obj: Json) -> GraphChannel:
    return GraphChannel(
        chan_id=as_int(obj, "channel_id"),
        node1=as_str(obj, "node1_pub"),
        node2=as_str(obj, "node2_pub"),
        capacity_sat=as_int(obj, "capacity"),
        node1_policy=parse_routing_policy(as_obj(obj, "node1_policy")),
        node2_policy=parse_routing_policy(as_obj(obj, "node2_policy")),
        channel_point=as_str(obj, "chan_point"),
        last_update=as_int(obj, "last_update"),
    )


def parse_node_info(obj: Json) -> GraphNode:
    node = as_obj(obj, "node")
    if node is None:
        raise MalformedResponse("field 'node': missing")
    addresses = tuple(as_str(a, "addr") for a in as_list(node, "addresses"))
    return GraphNode(
        pub_key=as_str(node, "pub_key"),
        alias=as_str(node, "alias"),
        addresses=tuple(a for a in addresses if a),
        last_update=as_int(node, "last_update"),
        color=as_str(node, "color"),
    )


def parse_add_invoice(obj: Json, value_msat: int, memo: str) -> Invoice:
    return Invoice(
        r_hash_hex=b64_to_hex(obj, "r_hash"),
        payment_request=as_str(obj, "payment_request"),
        value_msat=value_msat,
        settled=False,
        add_index=as_int(obj, "add_index"),
        memo=memo,
    )


def parse_payment(obj: Json) -> PaymentResult:
    raw_status = as_str(obj, "status")
    try:
        status = PaymentStatus(raw_status)
    except ValueError:
        # INITIATED / UNKNOWN: not final yet, so it must be treated as still in flight.
        status = PaymentStatus.IN_FLIGHT
    route: tuple[int, ...] = ()
    for attempt in as_list(obj, "htlcs"):
        if as_str(attempt, "status") == "SUCCEEDED":
            hops = as_list(as_obj(attempt, "route") or {}, "hops")
            route = tuple(as_int(h, "chan_id") for h in hops)
    reason = as_str(obj, "failure_reason")
    return PaymentResult(
        payment_hash=as_str(obj, "payment_hash"),
        status=status,
        value_msat=as_int(obj, "value_msat"),
        fee_msat=as_int(obj, "fee_msat"),
        failure_reason="" if reason == "FAILURE_REASON_NONE" else reason,
        route_chan_ids=route,
    )


def policy_update_body(channel_point: str, policy: RoutingPolicy) -> dict[str, Any]:
    """The complete ``POST /v1/chanpolicy`` body: every field sent, ``fee_rate_ppm`` never ``fee_rate``.

    LND applies an omitted base fee or fee rate as 0 and rejects a missing time lock, so nothing
    is left out; ``min_htlc_msat`` only counts with ``min_htlc_msat_specified``.
    """
    txid, index = parse_channel_point(channel_point)
    return {
        "chan_point": {"funding_txid_str": txid, "output_index": index},
        "base_fee_msat": str(policy.base_fee_msat),
        "fee_rate_ppm": str(policy.fee_rate_ppm),
        "time_lock_delta": policy.time_lock_delta,
        "max_htlc_msat": str(policy.max_htlc_msat),
        "min_htlc_msat": str(policy.min_htlc_msat),
        "min_htlc_msat_specified": True,
        "inbound_fee": {
            "base_fee_msat": policy.inbound_base_fee_msat,
            "fee_rate_ppm": policy.inbound_fee_rate_ppm,
        },
    }


def failed_updates(obj: Json) -> list[tuple[str, str]]:
    """``failed_updates`` of a PolicyUpdateResponse as (reason, update_error) pairs."""
    return [
        (as_str(f, "reason") or "UPDATE_FAILURE_UNKNOWN", as_str(f, "update_error"))
        for f in as_list(obj, "failed_updates")
    ]


# The fields an update sets; ``disabled`` and ``last_update`` are the node's, not ours to compare.
COMPARED_FIELDS = (
    "base_fee_msat",
    "fee_rate_ppm",
    "time_lock_delta",
    "min_htlc_msat",
    "max_htlc_msat",
    "inbound_base_fee_msat",
    "inbound_fee_rate_ppm",
)


def policy_mismatches(
    sent: RoutingPolicy, read_back: RoutingPolicy, fields: tuple[str, ...] = COMPARED_FIELDS
) -> dict[str, tuple[object, object]]:
    out: dict[str, tuple[object, object]] = {}
    for name in fields:
        want, got = getattr(sent, name), getattr(read_back, name)
        if want != got:
            out[name] = (want, got)
    return out
