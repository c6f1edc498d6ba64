"""Circular rebalances over /v2/router/send, invoices, and /v1/switch pagination."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx

from lnpilot.simnet.testing import SimnetHandle
from tests.simnet.support import b64_pubkey, client


def _send(c: httpx.Client, body: dict[str, Any]) -> tuple[int, list[dict[str, Any]]]:
    with c.stream("POST", "/v2/router/send", json=body) as response:
        lines = [json.loads(line) for line in response.iter_lines() if line.strip()]
        return response.status_code, lines


def _rebalance_body(handle: SimnetHandle, request: str, fee_limit_msat: int, **extra: Any) -> dict[str, Any]:
    out, back = handle.sim.channels[0], handle.sim.channels[1]
    return {
        "payment_request": request,
        "allow_self_payment": True,
        "outgoing_chan_ids": [str(out.chan_id)],
        "last_hop_pubkey": b64_pubkey(back.peer_pubkey),
        "fee_limit_msat": str(fee_limit_msat),
        "timeout_seconds": 60,
        "no_inflight_updates": True,
        **extra,
    }


def test_circular_rebalance_moves_liquidity_and_costs_fees(simnet: SimnetHandle) -> None:
    sim = simnet.sim
    out, back = sim.channels[0], sim.channels[1]
    out_before, back_before = out.local_msat, back.local_msat
    others = [c.local_msat for c in sim.channels[2:]]
    with client(simnet) as c:
        invoice = c.post("/v1/invoices", json={"value_msat": "100000000", "memo": "rebalance"}).json()
        status, lines = _send(c, _rebalance_body(simnet, invoice["payment_request"], 5_000_000))
        assert status == 200 and len(lines) == 1  # no_inflight_updates: only the final state
        payment = lines[0]["result"]
        assert payment["status"] == "SUCCEEDED", payment
        fee_msat = int(payment["fee_msat"])
        route = payment["htlcs"][0]["route"]
        assert int(route["total_fees_msat"]) == fee_msat == sum(int(h["fee_msat"]) for h in route["hops"])
        assert route["hops"][0]["chan_id"] == str(out.chan_id)
        assert route["hops"][-1]["chan_id"] == str(back.chan_id)
        assert route["hops"][-1]["pub_key"] == sim.node.pub_key
        assert route["hops"][-2]["pub_key"] == back.peer_pubkey
        assert int(route["total_amt_msat"]) == 100_000_000 + fee_msat
        settled = c.get(f"/v1/invoice/{base64.b64decode(invoice['r_hash']).hex()}").json()
        assert settled["state"] == "SETTLED" and settled["amt_paid_msat"] == "100000000"
        again_status, again = _send(c, _rebalance_body(simnet, invoice["payment_request"], 5_000_000))
        assert again_status == 500 and "already paid" in again[0]["error"]["message"]
    assert fee_msat > 0
    assert out.local_msat == out_before - 100_000_000 - fee_msat
    assert back.local_msat == back_before + 100_000_000
    assert [c.local_msat for c in sim.channels[2:]] == others
    assert sim.book.rebalance_fees_msat == fee_msat


def test_rebalance_over_the_fee_limit_or_balance_fails_without_moving_money(simnet: SimnetHandle) -> None:
    sim = simnet.sim
    balances = [c.local_msat for c in sim.channels]
    with client(simnet) as c:
        small = c.post("/v1/invoices", json={"value": "50000"}).json()["payment_request"]
        status, lines = _send(c, _rebalance_body(simnet, small, 0, no_inflight_updates=False))
        assert status == 200
        assert [line["result"]["status"] for line in lines] == ["IN_FLIGHT", "FAILED"]
        assert lines[-1]["result"]["failure_reason"] == "FAILURE_REASON_NO_ROUTE"
        huge = c.post("/v1/invoices", json={"value": str(sim.channels[0].capacity_sat)}).json()
        _, lines = _send(c, _rebalance_body(simnet, huge["payment_request"], 10**12))
        assert lines[-1]["result"]["status"] == "FAILED"
    assert [c.local_msat for c in sim.channels] == balances
    with client(simnet, "readonly") as c:
        assert c.get("/v1/payments").json()["payments"] == []  # failed ones only with include_incomplete
        every = c.get("/v1/payments?include_incomplete=true&max_payments=1&reversed=true").json()
        assert [p["payment_index"] for p in every["payments"]] == ["2"]
        rest = c.get("/v1/payments?include_incomplete=true&index_offset=1").json()
        assert [p["status"] for p in rest["payments"]] == ["FAILED"]
        assert rest["total_num_payments"] == "0"  # only counted on request
        later = c.get(f"/v1/payments?include_incomplete=true&creation_date_start={sim.now_s + 1}").json()
        assert later["payments"] == []


def test_send_refusals_come_as_stream_errors(simnet: SimnetHandle) -> None:
    with client(simnet) as c:
        request = c.post("/v1/invoices", json={"value": "1000"}).json()["payment_request"]
        cases = [
            ({"timeout_seconds": 0}, "timeout_seconds"),
            ({"fee_limit_sat": "1", "fee_limit_msat": "1000"}, "both sat and msat"),
            ({"payment_request": "lnbc1unknown"}, "own node"),
            ({"payment_request": ""}, "payment_request required"),
            ({"allow_self_payment": False}, "self-payment"),
            ({"outgoing_chan_ids": []}, "outgoing_chan_ids"),
            ({"last_hop_pubkey": base64.b64encode(b"short").decode()}, "vertex"),
            ({"last_hop_pubkey": ""}, "last_hop_pubkey"),
            ({"last_hop_pubkey": b64_pubkey("02" + "11" * 32)}, "no channel"),
        ]
        for change, words in cases:
            status, lines = _send(c, {**_rebalance_body(simnet, request, 1000), **change})
            assert status == 500, change
            assert words in lines[0]["error"]["message"], (change, lines)
            assert lines[0]["error"]["code"] == 2


def test_invoices_listing_and_validation(simnet: SimnetHandle) -> None:
    with client(simnet) as c:
        for value in (1000, 2000, 3000):
            c.post("/v1/invoices", json={"value": str(value)})
        page = c.get("/v1/invoices?num_max_invoices=2").json()
        assert [i["value"] for i in page["invoices"]] == ["1000", "2000"]
        assert page["last_index_offset"] == "2"
        rest = c.get("/v1/invoices?index_offset=2").json()
        assert [i["value"] for i in rest["invoices"]] == ["3000"]
        latest = c.get("/v1/invoices?reversed=true&num_max_invoices=1").json()
        assert [i["add_index"] for i in latest["invoices"]] == ["3"]
        assert c.post("/v1/invoices", json={"value": "1", "value_msat": "1000"}).status_code == 500
        assert c.post("/v1/invoices", json={"value": "-5"}).status_code == 500
        assert c.get("/v1/invoice/not-hex").status_code == 400
        assert c.get("/v1/invoices?index_offset=abc").json()["code"] == 3
        assert c.get("/v1/payments?max_payments=-1").status_code == 400
        assert c.get("/v1/invoice/" + "ab" * 32).status_code == 404


def test_switch_paginates_with_index_offset_and_time_window(simnet: SimnetHandle) -> None:
    sim = simnet.sim
    with client(simnet) as c:
        c.post("/simnet/clock/advance", json={"seconds": 2 * 86_400})
        total = len(sim.forwards)
        assert total > 30
        seen: list[dict[str, Any]] = []
        offset = 0
        while True:
            page = c.post(
                "/v1/switch", json={"start_time": "0", "index_offset": offset, "num_max_events": 7}
            ).json()
            seen.extend(page["forwarding_events"])
            if not page["forwarding_events"]:
                break
            assert page["last_offset_index"] == offset + len(page["forwarding_events"])
            offset = page["last_offset_index"]
        assert len(seen) == total
        assert [e["timestamp_ns"] for e in seen] == [str(f.timestamp_ns) for f in sim.forwards]
        assert sum(int(e["fee_msat"]) for e in seen) == sim.fees_earned_msat()
        middle = sim.forwards[total // 2].timestamp_ns // 1_000_000_000
        window = c.post("/v1/switch", json={"start_time": str(middle), "num_max_events": 50_000}).json()
        assert all(int(e["timestamp"]) >= middle for e in window["forwarding_events"])
        assert c.post("/v1/switch", json={"start_time": "10", "end_time": "5"}).status_code == 500
        assert c.post("/v1/switch", json={"index_offset": -1}).status_code == 400
        aliased = c.post("/v1/switch", json={"peer_alias_lookup": True, "num_max_events": 1}).json()
        assert aliased["forwarding_events"][0]["peer_alias_in"] != ""
        fees = c.get("/v1/fees").json()
        assert int(fees["week_fee_sum"]) == sim.fees_earned_msat() // 1000
        truth = c.get("/simnet/truth").json()
        assert truth["forwards"] == total
        assert len(c.get("/simnet/truth/forwards").json()["forwards"]) == total
        failures = c.get("/simnet/truth/failures").json()
        assert set(failures["failed_for_liquidity"]) == {str(ch.chan_id) for ch in sim.channels}
        assert len(c.get("/simnet/truth/channels").json()["channels"]) == len(sim.channels)
        policies = c.get("/simnet/truth/policies").json()["policies"]
        assert [p["policy"]["fee_rate_ppm"] for p in policies] == [
            ch.policy.fee_rate_ppm for ch in sim.channels
        ]
        assert c.get("/simnet/clock").json()["now"] == sim.now_s
        assert c.post("/simnet/clock/advance", json={"seconds": -1}).status_code == 400
