"""LND REST JSON (shaped as in the swagger: uint64 strings, base64 bytes) -> domain values."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lnpilot.backends import lnd_wire as wire
from lnpilot.domain.graph import RoutingPolicy
from lnpilot.domain.node import PaymentStatus

PUB_A = "02" + "aa" * 32
PUB_B = "03" + "bb" * 32
TXID = "cd" * 32
CHAN_ID = (700_000 << 40) | (12 << 16) | 1


def policy_json(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "time_lock_delta": 80,
        "min_htlc": "1000",
        "fee_base_msat": "1000",
        "fee_rate_milli_msat": "250",
        "disabled": False,
        "max_htlc_msat": "990000000",
        "last_update": 1_700_000_000,
        "custom_records": {},
        "inbound_fee_base_msat": -100,
        "inbound_fee_rate_milli_msat": -20,
    }
    base.update(overrides)
    return base


def test_getinfo() -> None:
    info = wire.parse_info(
        {
            "version": "0.18.3-beta",
            "identity_pubkey": PUB_A,
            "alias": "simnode",
            "color": "#3399ff",
            "num_pending_channels": 1,
            "num_active_channels": 5,
            "num_inactive_channels": 2,
            "num_peers": 6,
            "block_height": 870_000,
            "best_header_timestamp": "1700000000",
            "synced_to_chain": True,
            "chains": [{"chain": "bitcoin", "network": "mainnet"}],
        }
    )
    assert (info.pub_key, info.alias, info.num_active_channels, info.block_height) == (
        PUB_A,
        "simnode",
        5,
        870_000,
    )
    assert info.synced_to_chain and info.num_pending_channels == 1


def test_channel_with_htlcs_and_missing_fields() -> None:
    raw = {
        "active": True,
        "remote_pubkey": PUB_B,
        "channel_point": f"{TXID}:1",
        "chan_id": str(CHAN_ID),
        "capacity": "5000000",
        "local_balance": "2000000",
        "remote_balance": "2990000",
        "commit_fee": "2500",
        "total_satoshis_sent": "123",
        "total_satoshis_received": "456",
        "num_updates": "17",
        "pending_htlcs": [
            {
                "incoming": False,
                "amount": "7000",
                "hash_lock": base64.b64encode(b"\x01" * 32).decode(),
                "expiration_height": 870_100,
            },
            {"incoming": True, "amount": "3000", "expiration_height": 870_050},
        ],
        "lifetime": "86400",
        "uptime": "80000",
    }
    channel = wire.parse_channels({"channels": [raw]})[0]
    assert channel.chan_id == CHAN_ID and channel.capacity_sat == 5_000_000
    assert (channel.uptime_s, channel.lifetime_s) == (80_000, 86_400)
    assert channel.pending_outgoing_sat == 7000 and channel.pending_incoming_sat == 3000
    assert channel.pending_htlcs[0].hash_lock_hex == "01" * 32
    del raw["uptime"], raw["lifetime"]
    channel = wire.parse_channel(raw)
    assert channel.uptime_s is None and channel.lifetime_s is None
    assert not wire.parse_channel({}).active


def test_fee_report_uses_fee_per_mil_and_inbound() -> None:
    report = wire.parse_fee_report(
        {
            "channel_fees": [
                {
                    "chan_id": str(CHAN_ID),
                    "channel_point": f"{TXID}:1",
                    "base_fee_msat": "1000",
                    "fee_per_mil": "250",
                    "fee_rate": 0.00025,
                    "inbound_base_fee_msat": -50,
                    "inbound_fee_per_mil": -10,
                }
            ],
            "day_fee_sum": "1",
            "week_fee_sum": "20",
            "month_fee_sum": "300",
        }
    )
    fee = report.channels[0]
    assert (fee.fee_rate_ppm, fee.base_fee_msat, fee.inbound_base_fee_msat, fee.inbound_fee_rate_ppm) == (
        250,
        1000,
        -50,
        -10,
    )
    assert (report.day_fee_sum_sat, report.week_fee_sum_sat, report.month_fee_sum_sat) == (1, 20, 300)


def test_forwarding_events_msat_and_fallbacks() -> None:
    events, last = wire.parse_forwarding_page(
        {
            "forwarding_events": [
                {
                    "timestamp": "1700000000",
                    "chan_id_in": "1",
                    "chan_id_out": "2",
                    "amt_in": "1001",
                    "amt_out": "1000",
                    "fee": "1",
                    "fee_msat": "1234",
                    "amt_in_msat": "1001234",
                    "amt_out_msat": "1000000",
                    "timestamp_ns": "1700000000123456789",
                },
                {
                    "timestamp": "1700000001",
                    "chan_id_in": "3",
                    "chan_id_out": "4",
                    "amt_in": "11",
                    "amt_out": "10",
                    "fee": "1",
                },
            ],
            "last_offset_index": 2,
        }
    )
    assert last == 2
    assert events[0].timestamp_ns == 1_700_000_000_123_456_789 and events[0].fee_msat == 1234
    assert events[1].timestamp_ns == 1_700_000_001_000_000_000
    assert (events[1].amt_in_msat, events[1].amt_out_msat, events[1].fee_msat) == (11_000, 10_000, 1000)


def test_edge_and_node() -> None:
    edge = wire.parse_edge(
        {
            "channel_id": str(CHAN_ID),
            "chan_point": f"{TXID}:1",
            "last_update": 5,
            "node1_pub": PUB_A,
            "node2_pub": PUB_B,
            "capacity": "5000000",
            "node1_policy": policy_json(),
            "node2_policy": None,
        }
    )
    assert edge.node2_policy is None
    policy = edge.policy_of(PUB_A)
    assert policy == RoutingPolicy(1000, 250, 80, 1000, 990_000_000, False, 1_700_000_000, -100, -20)
    node = wire.parse_node_info(
        {
            "node": {
                "pub_key": PUB_B,
                "alias": "peer",
                "addresses": [{"network": "tcp", "addr": "1.2.3.4:9735"}],
                "last_update": 7,
                "color": "#000000",
            },
            "num_channels": 3,
            "total_capacity": "9",
        }
    )
    assert node.addresses == ("1.2.3.4:9735",) and node.alias == "peer"
    with pytest.raises(wire.MalformedResponse, match="'node'"):
        wire.parse_node_info({})


def test_closed_channels_invoice_payment() -> None:
    closed = wire.parse_closed_channels(
        {
            "channels": [
                {
                    "channel_point": f"{TXID}:0",
                    "chan_id": "5",
                    "remote_pubkey": PUB_B,
                    "capacity": "100",
                    "close_height": 800_000,
                    "settled_balance": "40",
                    "close_type": "REMOTE_FORCE_CLOSE",
                    "closing_tx_hash": "ef" * 32,
                }
            ]
        }
    )
    assert closed[0].close_type == "REMOTE_FORCE_CLOSE" and closed[0].settled_balance_sat == 40
    invoice = wire.parse_add_invoice(
        {"r_hash": base64.b64encode(b"\xab" * 32).decode(), "payment_request": "lnbc1...", "add_index": "9"},
        5000,
        "m",
    )
    assert invoice.r_hash_hex == "ab" * 32 and invoice.add_index == 9
    payment = wire.parse_payment(
        {
            "payment_hash": "ab" * 32,
            "value_msat": "5000",
            "status": "SUCCEEDED",
            "fee_msat": "12",
            "failure_reason": "FAILURE_REASON_NONE",
            "htlcs": [
                {"status": "FAILED", "route": {"hops": [{"chan_id": "9"}]}},
                {"status": "SUCCEEDED", "route": {"hops": [{"chan_id": "1"}, {"chan_id": "2"}]}},
            ],
        }
    )
    assert payment.status is PaymentStatus.SUCCEEDED and payment.route_chan_ids == (1, 2)
    assert payment.failure_reason == "" and payment.fee_msat == 12
    assert wire.parse_payment({"status": "INITIATED"}).status is PaymentStatus.IN_FLIGHT


def test_policy_update_body_is_complete_and_uses_ppm() -> None:
    policy = RoutingPolicy(
        1000, 250, 80, 1000, 990_000_000, inbound_base_fee_msat=-5, inbound_fee_rate_ppm=-7
    )
    body = wire.policy_update_body(f"{TXID}:1", policy)
    assert "fee_rate" not in body and body["fee_rate_ppm"] == "250"
    assert body["chan_point"] == {"funding_txid_str": TXID, "output_index": 1}
    assert body["base_fee_msat"] == "1000" and body["time_lock_delta"] == 80
    assert body["min_htlc_msat_specified"] is True and body["max_htlc_msat"] == "990000000"
    assert body["inbound_fee"] == {"base_fee_msat": -5, "fee_rate_ppm": -7}
    json.dumps(body)


def test_failed_updates_and_mismatches() -> None:
    failures = wire.failed_updates(
        {
            "failed_updates": [
                {
                    "outpoint": {"txid_str": TXID, "output_index": 1},
                    "reason": "UPDATE_FAILURE_PENDING",
                    "update_error": "channel pending",
                }
            ]
        }
    )
    assert failures == [("UPDATE_FAILURE_PENDING", "channel pending")]
    assert wire.failed_updates({"failed_updates": []}) == []
    a = RoutingPolicy(1000, 250, 80, 1000, 990_000_000)
    b = RoutingPolicy(1000, 200, 40, 1000, 990_000_000, disabled=True, last_update=9)
    assert wire.policy_mismatches(a, b) == {"fee_rate_ppm": (250, 200), "time_lock_delta": (80, 40)}


@pytest.mark.parametrize(
    ("obj", "call"),
    [
        ({"capacity": True}, lambda o: wire.as_int(o, "capacity")),
        ({"capacity": "12x"}, lambda o: wire.as_int(o, "capacity")),
        ({"capacity": [1]}, lambda o: wire.as_int(o, "capacity")),
        ({"alias": 3}, lambda o: wire.as_str(o, "alias")),
        ({"active": "yes"}, lambda o: wire.as_bool(o, "active")),
        ({"channels": {}}, lambda o: wire.as_list(o, "channels")),
        ({"channels": [1]}, lambda o: wire.as_list(o, "channels")),
        ({"node": []}, lambda o: wire.as_obj(o, "node")),
        ({"r_hash": "***"}, lambda o: wire.b64_to_hex(o, "r_hash")),
    ],
)
def test_wrong_shapes_are_malformed_response(obj: dict[str, object], call: object) -> None:
    with pytest.raises(wire.MalformedResponse):
        call(obj)  # type: ignore[operator]


def test_load_json() -> None:
    with pytest.raises(wire.MalformedResponse):
        wire.load_json(b"<html>")
    with pytest.raises(wire.MalformedResponse):
        wire.load_json(b"[1]")
    assert wire.as_int({"x": 3.0}, "x") == 3 and wire.as_int({"x": ""}, "x", 7) == 7


@given(st.integers(min_value=0, max_value=2**64 - 1))
def test_uint64_strings_round_trip(value: int) -> None:
    assert wire.as_int({"v": str(value)}, "v") == value


@given(st.binary(min_size=0, max_size=64))
def test_base64_both_alphabets(data: bytes) -> None:
    assert wire.b64_to_hex({"b": base64.b64encode(data).decode()}, "b") == data.hex()
    assert wire.b64_to_hex({"b": base64.urlsafe_b64encode(data).decode().rstrip("=")}, "b") == data.hex()
