"""POST /v1/chanpolicy with LND's semantics: zeroed omissions, fee_rate vs fee_rate_ppm, validation."""

from __future__ import annotations

import base64
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lnpilot.simnet.engine import SimConfig, Simulation
from lnpilot.simnet.generator import generate_graph
from lnpilot.simnet.policy import MIN_TIME_LOCK_DELTA, RpcError, as_float, as_int, plan_policy_update
from lnpilot.simnet.testing import SimnetHandle
from tests.simnet.support import chan_point_body, client

# hypothesis runs many examples per test: build their simulation once
_SMALL = Simulation(generate_graph(60, seed=9), SimConfig(seed=9, channels=3))


@pytest.fixture(scope="module")
def sim() -> Simulation:
    return Simulation(generate_graph(120, seed=5), SimConfig(seed=5, channels=4))


def _scope(sim: Simulation, i: int = 0) -> dict[str, object]:
    return {"chan_point": chan_point_body(sim.channels[i].channel_point)}


def test_omitted_fees_are_applied_as_zero_and_omitted_max_htlc_is_kept(sim: Simulation) -> None:
    ch = sim.channels[0]
    ch.policy = replace(ch.policy, base_fee_msat=1000, fee_rate_ppm=500, max_htlc_msat=123_000)
    plan = plan_policy_update({**_scope(sim), "time_lock_delta": 40}, sim.channels)
    ((target, policy),) = plan.updates
    assert target is ch and plan.failed == ()
    assert (policy.base_fee_msat, policy.fee_rate_ppm, policy.time_lock_delta) == (0, 0, 40)
    assert policy.max_htlc_msat == 123_000 and policy.min_htlc_msat == ch.policy.min_htlc_msat


def test_fee_rate_is_a_fraction_and_both_rates_is_invalid(sim: Simulation) -> None:
    plan = plan_policy_update({**_scope(sim), "fee_rate": 0.000_5, "time_lock_delta": 80}, sim.channels)
    assert plan.updates[0][1].fee_rate_ppm == 500
    with pytest.raises(RpcError) as both:
        plan_policy_update(
            {**_scope(sim), "fee_rate": 0.001, "fee_rate_ppm": 1000, "time_lock_delta": 80}, sim.channels
        )
    assert both.value.code == 3
    with pytest.raises(RpcError, match="too small"):
        plan_policy_update({**_scope(sim), "fee_rate": 1e-9, "time_lock_delta": 80}, sim.channels)


@given(tld=st.integers(min_value=-5, max_value=70_000))
@settings(max_examples=60, deadline=None)
def test_time_lock_delta_bounds(tld: int) -> None:
    sim = _SMALL
    body = {**_scope(sim), "fee_rate_ppm": 1, "time_lock_delta": tld}
    if MIN_TIME_LOCK_DELTA <= tld <= 65_535:
        assert plan_policy_update(body, sim.channels).updates[0][1].time_lock_delta == tld
    else:
        with pytest.raises(RpcError, match="time lock delta"):
            plan_policy_update(body, sim.channels)


@given(base=st.integers(-2_000, 2_000), ppm=st.integers(-2_000, 2_000))
@settings(max_examples=60, deadline=None)
def test_inbound_fees_only_zero_or_negative(base: int, ppm: int) -> None:
    sim = _SMALL
    body = {
        "global": True,
        "time_lock_delta": 80,
        "inbound_fee": {"base_fee_msat": base, "fee_rate_ppm": ppm},
    }
    if base > 0 or ppm > 0:
        with pytest.raises(RpcError, match="positive values for inbound"):
            plan_policy_update(body, sim.channels)
    else:
        plan = plan_policy_update(body, sim.channels)
        assert len(plan.updates) == len(sim.channels)
        assert {(p.inbound_base_fee_msat, p.inbound_fee_rate_ppm) for _, p in plan.updates} == {(base, ppm)}


def test_min_htlc_needs_the_specified_flag_and_max_is_checked(sim: Simulation) -> None:
    ch = sim.channels[1]
    body = {**_scope(sim, 1), "time_lock_delta": 80, "min_htlc_msat": "5000"}
    assert plan_policy_update(body, sim.channels).updates[0][1].min_htlc_msat == ch.policy.min_htlc_msat
    body["min_htlc_msat_specified"] = True
    assert plan_policy_update(body, sim.channels).updates[0][1].min_htlc_msat == 5000
    too_big = {**_scope(sim, 1), "time_lock_delta": 80, "max_htlc_msat": str(ch.capacity_sat * 1000 + 1)}
    assert plan_policy_update(too_big, sim.channels).failed[0].reason == "UPDATE_FAILURE_INVALID_PARAMETER"
    with pytest.raises(RpcError, match="max htlc"):
        plan_policy_update({**body, "max_htlc_msat": "4000"}, sim.channels)
    below_min = {**_scope(sim, 1), "time_lock_delta": 80, "max_htlc_msat": "1", "min_htlc_msat": "0"}
    assert plan_policy_update(below_min, sim.channels).failed[0].reason == "UPDATE_FAILURE_INVALID_PARAMETER"


def test_scopes(sim: Simulation) -> None:
    ch = sim.channels[2]
    txid, index = ch.channel_point.split(":")
    as_bytes = {
        "funding_txid_bytes": base64.b64encode(bytes.fromhex(txid)[::-1]).decode(),
        "output_index": index,
    }
    plan = plan_policy_update({"chan_point": as_bytes, "time_lock_delta": 80}, sim.channels)
    assert plan.updates[0][0] is ch
    with pytest.raises(RpcError, match="unknown scope"):
        plan_policy_update({"time_lock_delta": 80}, sim.channels)
    with pytest.raises(RpcError, match="unknown scope"):
        plan_policy_update({"chan_point": {"output_index": 0}, "time_lock_delta": 80}, sim.channels)
    with pytest.raises(RpcError, match="hash length"):
        plan_policy_update({"chan_point": {"funding_txid_str": "ab"}, "time_lock_delta": 80}, sim.channels)
    with pytest.raises(RpcError):
        plan_policy_update({"chan_point": {"funding_txid_bytes": "!!"}, "time_lock_delta": 80}, sim.channels)
    missing = plan_policy_update(
        {"chan_point": chan_point_body("22" * 32 + ":1"), "time_lock_delta": 80}, sim.channels
    )
    assert missing.updates == () and missing.failed[0].reason == "UPDATE_FAILURE_NOT_FOUND"
    forced = plan_policy_update(
        {"global": True, "time_lock_delta": 80}, sim.channels, forced_failure="UPDATE_FAILURE_INTERNAL_ERR"
    )
    assert forced.updates == () and len(forced.failed) == len(sim.channels)


def test_json_number_parsing() -> None:
    assert as_int({"x": "42"}, "x") == 42 and as_int({"x": 7.0}, "x") == 7 and as_int({"x": None}, "x") == 0
    assert as_float({"x": "0.5"}, "x") == 0.5 and as_float({"x": None}, "x") == 0.0
    for bad in (True, "4x", 1.5, [1]):
        with pytest.raises(RpcError):
            as_int({"x": bad}, "x")
    for bad_float in (True, "nope"):
        with pytest.raises(RpcError):
            as_float({"x": bad_float}, "x")
    with pytest.raises(RpcError):
        plan_policy_update({"global": True, "time_lock_delta": 80, "fee_rate_ppm": -1}, [])
    with pytest.raises(RpcError, match="uint32"):
        plan_policy_update({"global": True, "time_lock_delta": 80, "fee_rate_ppm": 2**32}, [])
    with pytest.raises(RpcError, match="uint32"):
        plan_policy_update({"global": True, "time_lock_delta": 2**32}, [])
    with pytest.raises(RpcError, match="uint32"):
        plan_policy_update({"global": True, "time_lock_delta": 80, "fee_rate": 5000.0}, [])
    with pytest.raises(RpcError):
        plan_policy_update({"global": True, "time_lock_delta": 80, "base_fee_msat": -1}, [])


def test_lnbits_style_update_reads_back_through_graph_edge(simnet: SimnetHandle) -> None:
    """What LNbits' LndRestNode.set_channel_fee sends, then what its get_channel reads."""
    ch = simnet.sim.channels[0]
    body = {
        "base_fee_msat": 2500,
        "fee_rate_ppm": 350,
        "chan_point": chan_point_body(ch.channel_point),
        "time_lock_delta": 80,
    }
    with client(simnet) as c:
        assert c.post("/v1/chanpolicy", json=body).json() == {"failed_updates": []}
        edge = c.get(f"/v1/graph/edge/{ch.chan_id}").json()
        me = c.get("/v1/getinfo").json()["identity_pubkey"]
        side = "node1" if edge["node1_pub"] == me else "node2"
        assert edge[f"{side}_policy"]["fee_rate_milli_msat"] == "350"
        assert edge[f"{side}_policy"]["fee_base_msat"] == "2500"
        fees = {f["chan_id"]: f for f in c.get("/v1/fees").json()["channel_fees"]}
        assert fees[str(ch.chan_id)]["fee_per_mil"] == "350"
        assert fees[str(ch.chan_id)]["fee_rate"] == pytest.approx(0.000_35)
        bad = c.post("/v1/chanpolicy", json={**body, "time_lock_delta": 10})
        assert bad.status_code == 500 and "minimum supported is 18" in bad.json()["message"]
        not_json = c.post("/v1/chanpolicy", content=b"{nope")
        assert not_json.status_code == 400 and not_json.json()["code"] == 3


_json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**40), 2**40), st.floats(allow_nan=False), st.text(max_size=8)
)
_fields = st.sampled_from(
    [
        "global",
        "chan_point",
        "base_fee_msat",
        "fee_rate",
        "fee_rate_ppm",
        "time_lock_delta",
        "max_htlc_msat",
        "min_htlc_msat",
        "min_htlc_msat_specified",
        "inbound_fee",
        "unknown",
    ]
)


@given(
    body=st.dictionaries(
        _fields, st.one_of(_json_scalars, st.dictionaries(st.text(max_size=12), _json_scalars))
    )
)
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_body_is_a_plan_or_an_rpc_error(body: dict[str, object]) -> None:
    error: RpcError | None = None
    try:
        plan = plan_policy_update(body, _SMALL.channels)
    except RpcError as exc:
        error = exc
    if error is not None:
        assert error.code in (2, 3) and error.message
        return
    for _, policy in plan.updates:
        assert policy.time_lock_delta >= MIN_TIME_LOCK_DELTA
        assert policy.fee_rate_ppm >= 0 and policy.base_fee_msat >= 0
        assert policy.inbound_base_fee_msat <= 0 and policy.inbound_fee_rate_ppm <= 0
