"""Contract: every field of every response has the swagger's name and JSON type, and none is missing.

LND's gateway emits every field (zero values too), 64-bit integers as strings, bytes as base64,
enums as their names, and unset nested messages as null.
"""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

import pytest

from lnpilot.simnet.testing import SimnetHandle
from tests.conftest import shared_file
from tests.simnet.support import b64_pubkey, chan_point_body, client

Schema = dict[str, Any]


@pytest.fixture(scope="module")
def swagger() -> dict[str, Any]:
    docs = {}
    for name in ("lnd_lightning.swagger.json.gz", "lnd_router.swagger.json.gz"):
        doc = json.loads(gzip.decompress(shared_file("specs", "lnd", name).read_bytes()))
        docs[name] = doc
    lightning, router = docs["lnd_lightning.swagger.json.gz"], docs["lnd_router.swagger.json.gz"]
    return {
        "definitions": {**router["definitions"], **lightning["definitions"]},
        "paths": {**lightning["paths"], **router["paths"]},
    }


def _resolve(schema: Schema, defs: dict[str, Schema]) -> Schema:
    while "$ref" in schema:
        schema = defs[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def check(value: Any, schema: Schema, defs: dict[str, Schema], where: str, *, nullable: bool = False) -> None:
    is_message = "$ref" in schema
    schema = _resolve(schema, defs)
    if value is None and nullable and is_message and schema.get("type", "object") == "object":
        return
    kind = schema.get("type", "object")
    if "enum" in schema:
        assert value in schema["enum"], f"{where}: {value!r} not in enum"
        return
    if kind == "object" and "properties" in schema:
        assert isinstance(value, dict), f"{where}: expected object, got {value!r}"
        props = schema["properties"]
        assert set(value) <= set(props), f"{where}: unknown fields {set(value) - set(props)}"
        assert set(props) <= set(value), f"{where}: missing fields {set(props) - set(value)}"
        for key, sub in props.items():
            check(value[key], sub, defs, f"{where}.{key}", nullable=True)
    elif kind == "object":
        assert isinstance(value, dict), f"{where}: expected map, got {value!r}"
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict) and extra:
            for key, sub in value.items():
                check(sub, extra, defs, f"{where}[{key}]")
    elif kind == "array":
        assert isinstance(value, list), f"{where}: expected array, got {value!r}"
        for i, item in enumerate(value):
            check(item, schema["items"], defs, f"{where}[{i}]")
    elif kind == "string":
        assert isinstance(value, str), f"{where}: expected string, got {value!r}"
        fmt = schema.get("format")
        if fmt in {"int64", "uint64"}:
            assert value.lstrip("-").isdigit(), f"{where}: {fmt} must be a decimal string, got {value!r}"
            if fmt == "uint64":
                assert 0 <= int(value) < 1 << 64, where
        elif fmt == "byte":
            base64.b64decode(value, validate=True)
    elif kind == "integer":
        assert isinstance(value, int) and not isinstance(value, bool), (
            f"{where}: expected integer, got {value!r}"
        )
    elif kind == "number":
        assert isinstance(value, int | float) and not isinstance(value, bool), f"{where}: expected number"
    elif kind == "boolean":
        assert isinstance(value, bool), f"{where}: expected boolean, got {value!r}"
    else:  # pragma: no cover - the swagger has no other types
        raise AssertionError(f"{where}: unhandled schema {schema}")


def urlsafe(pubkey_hex: str) -> str:
    return base64.urlsafe_b64encode(bytes.fromhex(pubkey_hex)).decode()


def response_schema(swagger: dict[str, Any], path: str, method: str) -> Schema:
    schema: Schema = swagger["paths"][path][method]["responses"]["200"]["schema"]
    return schema


def test_every_read_endpoint_matches_the_swagger(simnet: SimnetHandle, swagger: dict[str, Any]) -> None:
    defs = swagger["definitions"]
    sim = simnet.sim
    ours = sim.channels[0]
    peer_key = ours.peer_pubkey
    with client(simnet) as c:
        assert c.post("/simnet/clock/advance", json={"seconds": 2 * 86_400}).status_code == 200
        calls = [
            ("/v1/getinfo", "/v1/getinfo"),
            ("/v1/channels", "/v1/channels"),
            (f"/v1/channels?peer={urlsafe(peer_key)}&active_only=true", "/v1/channels"),
            ("/v1/channels/closed", "/v1/channels/closed"),
            ("/v1/channels/pending", "/v1/channels/pending"),
            ("/v1/balance/channels", "/v1/balance/channels"),
            ("/v1/balance/blockchain", "/v1/balance/blockchain"),
            ("/v1/fees", "/v1/fees"),
            ("/v1/peers", "/v1/peers"),
            ("/v1/graph", "/v1/graph"),
            (f"/v1/graph/node/{sim.node.pub_key}?include_channels=true", "/v1/graph/node/{pub_key}"),
            (f"/v1/graph/node/{peer_key}", "/v1/graph/node/{pub_key}"),
            (f"/v1/graph/edge/{ours.chan_id}", "/v1/graph/edge/{chan_id}"),
            ("/v1/graph/nodemetrics?types=BETWEENNESS_CENTRALITY", "/v1/graph/nodemetrics"),
        ]
        for url, path in calls:
            response = c.get(url)
            assert response.status_code == 200, (url, response.text)
            check(response.json(), response_schema(swagger, path, "get"), defs, url)
        channels = c.get("/v1/channels").json()["channels"]
        assert channels and all(ch["pending_htlcs"] == [] for ch in channels)
        metrics = c.get("/v1/graph/nodemetrics?types=BETWEENNESS_CENTRALITY").json()["betweenness_centrality"]
        assert sim.node.pub_key in metrics


def test_write_endpoints_match_the_swagger(simnet: SimnetHandle, swagger: dict[str, Any]) -> None:
    defs = swagger["definitions"]
    sim = simnet.sim
    a, b = sim.channels[0], sim.channels[1]
    with client(simnet) as c:
        c.post("/simnet/clock/advance", json={"seconds": 86_400})
        body = {
            "chan_point": chan_point_body("11" * 32 + ":0"),
            "base_fee_msat": "1000",
            "fee_rate_ppm": 100,
            "time_lock_delta": 80,
        }
        policy = c.post("/v1/chanpolicy", json=body)
        assert policy.status_code == 200
        assert policy.json()["failed_updates"][0]["reason"] == "UPDATE_FAILURE_NOT_FOUND"
        check(policy.json(), response_schema(swagger, "/v1/chanpolicy", "post"), defs, "chanpolicy")

        switch = c.post("/v1/switch", json={"start_time": "0", "num_max_events": 5})
        assert switch.status_code == 200 and switch.json()["forwarding_events"]
        check(switch.json(), response_schema(swagger, "/v1/switch", "post"), defs, "switch")

        added = c.post("/v1/invoices", json={"value": "20000", "memo": "contract"})
        check(added.json(), response_schema(swagger, "/v1/invoices", "post"), defs, "addinvoice")
        listed = c.get("/v1/invoices")
        check(listed.json(), response_schema(swagger, "/v1/invoices", "get"), defs, "listinvoices")
        r_hash_hex = base64.b64decode(added.json()["r_hash"]).hex()

        send = {
            "payment_request": added.json()["payment_request"],
            "allow_self_payment": True,
            "outgoing_chan_ids": [str(a.chan_id)],
            "last_hop_pubkey": b64_pubkey(b.peer_pubkey),
            "fee_limit_msat": "10000000",
            "timeout_seconds": 60,
        }
        with c.stream("POST", "/v2/router/send", json=send) as stream:
            assert stream.status_code == 200
            lines = [json.loads(line) for line in stream.iter_lines() if line.strip()]
        assert [line["result"]["status"] for line in lines][-1] in {"SUCCEEDED", "FAILED"}
        payment_schema = response_schema(swagger, "/v2/router/send", "post")["properties"]["result"]
        for i, line in enumerate(lines):
            assert set(line) == {"result"}
            check(line["result"], payment_schema, defs, f"send[{i}]")

        payments = c.get("/v1/payments?include_incomplete=true&count_total_payments=true")
        assert payments.json()["total_num_payments"] == "1"
        check(payments.json(), response_schema(swagger, "/v1/payments", "get"), defs, "listpayments")

        invoice = c.get(f"/v1/invoice/{r_hash_hex}")
        check(invoice.json(), response_schema(swagger, "/v1/invoice/{r_hash_str}", "get"), defs, "invoice")


def test_error_bodies_are_rpc_status(simnet: SimnetHandle, swagger: dict[str, Any]) -> None:
    defs = swagger["definitions"]
    status_schema = {"$ref": "#/definitions/rpcStatus"}
    with client(simnet) as c:
        errors = [
            c.get("/v1/graph/edge/12345"),
            c.get("/v1/graph/node/02" + "00" * 32),
            c.post("/v1/chanpolicy", json={"global": True, "time_lock_delta": 5}),
            c.get("/v1/invoice/" + "00" * 32),
            c.get("/v1/no-such-call"),
        ]
        with client(simnet, None) as anonymous:
            errors.append(anonymous.get("/v1/getinfo"))
    for response in errors:
        assert response.status_code >= 400
        check(response.json(), status_schema, defs, str(response.url))
        assert response.json()["details"] == []
