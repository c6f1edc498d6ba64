"""Fault injection: latency, 5xx, dropped connections and a failed policy update, each consumed."""

from __future__ import annotations

import httpx
import pytest

from lnpilot.simnet.faults import Faults, FaultSpecError
from lnpilot.simnet.testing import SimnetHandle
from tests.simnet.support import chan_point_body, client


def test_http_5xx_is_consumed_per_request_and_spares_the_control_surface(simnet: SimnetHandle) -> None:
    with client(simnet) as c:
        armed = c.post("/simnet/faults", json={"http_5xx": 2, "http_status": 502})
        assert armed.json()["http_5xx"] == 2
        assert c.get("/simnet/faults").status_code == 200  # not consumed by control calls
        first, second, third = (c.get("/v1/getinfo") for _ in range(3))
    assert (first.status_code, second.status_code, third.status_code) == (502, 502, 200)
    assert first.json() == {"code": 14, "message": "simnet: injected fault", "details": []}


def test_dropped_connection_then_recovery(simnet: SimnetHandle) -> None:
    with client(simnet) as c:
        c.post("/simnet/faults", json={"drop_connections": 1})
        with pytest.raises(httpx.TransportError):
            c.get("/v1/getinfo")
    with client(simnet) as c:
        assert c.get("/v1/getinfo").status_code == 200
        assert c.get("/simnet/faults").json()["drop_connections"] == 0


def test_latency_is_counted_down(simnet: SimnetHandle) -> None:
    with client(simnet) as c:
        c.post("/simnet/faults", json={"latency_ms": 50, "latency_requests": 2})
        for _ in range(2):
            assert c.get("/v1/getinfo").status_code == 200
        assert c.get("/simnet/faults").json()["latency_requests"] == 0
        c.get("/v1/getinfo")
        assert c.get("/simnet/faults").json()["latency_ms"] == 0


def test_failed_policy_update_is_reported_and_not_applied(simnet: SimnetHandle) -> None:
    ch = simnet.sim.channels[2]
    before = ch.policy
    body = {"chan_point": chan_point_body(ch.channel_point), "fee_rate_ppm": 777, "time_lock_delta": 80}
    with client(simnet) as c:
        c.post("/simnet/faults", json={"fail_next_policy_update": "UPDATE_FAILURE_PENDING"})
        failed = c.post("/v1/chanpolicy", json=body).json()["failed_updates"]
        assert ch.policy == before
        assert [f["reason"] for f in failed] == ["UPDATE_FAILURE_PENDING"]
        assert failed[0]["outpoint"]["txid_str"] == ch.channel_point.split(":")[0]
        assert c.post("/v1/chanpolicy", json=body).json() == {"failed_updates": []}
    assert ch.policy.fee_rate_ppm == 777


def test_clearing_and_bad_specs(simnet: SimnetHandle) -> None:
    with client(simnet) as c:
        c.post("/simnet/faults", json={"http_5xx": 5, "latency_ms": 10})
        cleared = c.delete("/simnet/faults").json()
        assert cleared["http_5xx"] == 0 and cleared["latency_ms"] == 0
        assert c.post("/simnet/faults", json={"http_5xx": -1}).status_code == 400
        assert c.post("/simnet/faults", json={"explode": 1}).status_code == 400
        assert c.post("/simnet/faults", json={"http_status": 404}).status_code == 400
        assert c.post("/simnet/faults", json={"fail_next_policy_update": "NOPE"}).status_code == 400
        with client(simnet, "readonly") as ro:
            assert ro.post("/simnet/faults", json={"http_5xx": 1}).status_code == 500


def test_fault_state_machine() -> None:
    faults = Faults()
    assert faults.take_latency_s() == 0.0 and faults.take_5xx() is None and not faults.take_drop()
    faults.configure({"latency_ms": 20})
    assert [faults.take_latency_s() for _ in range(3)] == [0.02, 0.02, 0.02]  # until cleared
    faults.configure({"latency_ms": 20, "latency_requests": 0})
    assert faults.take_latency_s() == 0.0 and faults.latency_ms == 0
    with pytest.raises(FaultSpecError):
        faults.configure({"drop_connections": True})
