"""The LND REST endpoints simnet serves, each guarded by LND's macaroon permission."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from lnpilot.simnet import wire
from lnpilot.simnet.engine import Simulation
from lnpilot.simnet.faults import Faults
from lnpilot.simnet.policy import RpcError, as_int, plan_policy_update

T = TypeVar("T")
MAX_SWITCH_EVENTS = 50_000


async def read_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RpcError(3, f"proto: syntax error: {exc}") from None
    if not isinstance(body, dict):
        raise RpcError(3, "proto: syntax error: expected a JSON object")
    return body


def truthy(value: str | None) -> bool:
    return (value or "").lower() in {"1", "true"}


def b64_bytes(value: str, name: str) -> bytes:
    """Bytes from standard or URL-safe base64, as grpc-gateway accepts them."""
    text = value.strip().replace(" ", "+")  # a '+' that went through query-string decoding
    text += "=" * (-len(text) % 4)
    try:
        if "-" in text or "_" in text:
            return base64.urlsafe_b64decode(text)
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise RpcError(3, f"proto: invalid value for bytes field {name}") from None


async def run_locked(sim: Simulation, fn: Callable[[], T]) -> T:
    """Run ``fn`` under the simulation's lock, off the event loop."""

    def run() -> T:
        with sim.lock:
            return fn()

    return await run_in_threadpool(run)


def build_lnd_router(sim: Simulation, faults: Faults, require: Callable[[Request, str], None]) -> APIRouter:
    router = APIRouter()

    async def locked(fn: Callable[[], T]) -> T:
        return await run_locked(sim, fn)

    @router.get("/v1/getinfo")
    async def getinfo(request: Request) -> Any:
        require(request, "info:read")
        return await locked(lambda: wire.getinfo(sim))

    @router.get("/v1/channels")
    async def channels(request: Request) -> Any:
        require(request, "offchain:read")
        q = request.query_params
        peer = b64_bytes(q["peer"], "peer").hex() if q.get("peer") else None

        def listing() -> dict[str, Any]:
            chans = [c for c in sim.open_channels() if peer is None or c.peer_pubkey == peer]
            if truthy(q.get("active_only")):
                chans = [c for c in chans if c.active]
            if truthy(q.get("inactive_only")):
                chans = [c for c in chans if not c.active]
            if truthy(q.get("private_only")):
                chans = []
            return {"channels": [wire.channel(c, sim) for c in chans]}

        return await locked(listing)

    @router.get("/v1/balance/channels")
    async def channel_balance(request: Request) -> Any:
        require(request, "offchain:read")
        return await locked(lambda: wire.channel_balance(sim))

    @router.get("/v1/balance/blockchain")
    async def wallet_balance(request: Request) -> Any:
        require(request, "onchain:read")
        # The simulated node's on-chain wallet holds nothing: all its funds are in channels.
        return {
            "total_balance": "0",
            "confirmed_balance": "0",
            "unconfirmed_balance": "0",
            "locked_balance": "0",
            "reserved_balance_anchor_chan": "0",
            "account_balance": {},
        }

    @router.get("/v1/fees")
    async def fees(request: Request) -> Any:
        require(request, "offchain:read")
        return await locked(lambda: wire.fee_report(sim))

    @router.get("/v1/peers")
    async def peers(request: Request) -> Any:
        require(request, "peers:read")

        def listing() -> dict[str, Any]:
            nodes = sim.network.graph.nodes
            return {
                "peers": [
                    wire.peer(c, next(iter(nodes[c.peer_pubkey].addresses), ""))
                    for c in sim.channels
                    if c.active
                ]
            }

        return await locked(listing)

    @router.get("/v1/graph")
    async def graph(request: Request) -> Any:
        require(request, "info:read")

        def describe() -> dict[str, Any]:
            g = sim.public_graph()
            return {
                "nodes": [wire.node(n) for n in g.nodes.values()],
                "edges": [wire.edge(c) for c in g.channels],
            }

        return await locked(describe)

    betweenness_cache: dict[str, float] = {}

    @router.get("/v1/graph/nodemetrics")
    async def nodemetrics(request: Request) -> Any:
        require(request, "info:read")
        wanted = request.query_params.getlist("types")
        if "BETWEENNESS_CENTRALITY" not in wanted and "1" not in wanted:
            return {"betweenness_centrality": {}}

        def compute() -> dict[str, Any]:
            if not betweenness_cache:
                from lnpilot.graph.metrics import betweenness

                betweenness_cache.update(betweenness(sim.public_graph()))
            low, high = min(betweenness_cache.values()), max(betweenness_cache.values())
            span = (high - low) or 1.0
            # LND reports the raw value and a min-max normalised one
            return {
                "betweenness_centrality": {
                    key: {"value": value, "normalized_value": (value - low) / span}
                    for key, value in betweenness_cache.items()
                }
            }

        return await locked(compute)

    @router.get("/v1/graph/node/{pub_key}")
    async def node_info(request: Request, pub_key: str) -> Any:
        require(request, "info:read")
        include = truthy(request.query_params.get("include_channels"))

        def info() -> dict[str, Any]:
            g = sim.public_graph()
            found = g.nodes.get(pub_key)
            if found is None:
                raise RpcError(5, "unable to find node")
            mine = [c for c in g.channels if pub_key in (c.node1, c.node2)]
            return {
                "node": wire.node(found),
                "num_channels": len(mine),
                "total_capacity": wire.u64(sum(c.capacity_sat for c in mine)),
                "channels": [wire.edge(c) for c in mine] if include else [],
            }

        return await locked(info)

    @router.get("/v1/graph/edge/{chan_id}")
    async def edge(request: Request, chan_id: str) -> Any:
        require(request, "info:read")
        if not chan_id.isdigit():
            raise RpcError(3, f"proto: invalid value for uint64 field chan_id: {chan_id!r}")

        def lookup() -> dict[str, Any]:
            wanted = int(chan_id)
            for c in sim.public_graph().channels:
                if c.chan_id == wanted:
                    return wire.edge(c)
            raise RpcError(5, "edge not found")

        return await locked(lookup)

    @router.post("/v1/chanpolicy")
    async def chanpolicy(request: Request) -> Any:
        require(request, "offchain:write")
        body = await read_body(request)

        def apply() -> dict[str, Any]:
            plan = plan_policy_update(body, sim.open_channels(), forced_failure=faults.take_policy_failure())
            for ch, pol in plan.updates:
                sim.set_policy(ch, pol)
            return {
                "failed_updates": [
                    {
                        "outpoint": {
                            "txid_bytes": wire.b64(bytes(reversed(bytes.fromhex(f.txid)))),
                            "txid_str": f.txid,
                            "output_index": f.output_index,
                        },
                        "reason": f.reason,
                        "update_error": f.update_error,
                    }
                    for f in plan.failed
                ]
            }

        return await locked(apply)

    @router.post("/v1/switch")
    async def switch(request: Request) -> Any:
        require(request, "offchain:read")
        body = await read_body(request)
        start_s = as_int(body, "start_time")
        end_s = as_int(body, "end_time")
        offset = as_int(body, "index_offset")
        limit = as_int(body, "num_max_events") or 100
        if offset < 0 or limit < 0 or start_s < 0 or end_s < 0:
            raise RpcError(3, "index_offset, num_max_events and times must not be negative")
        limit = min(limit, MAX_SWITCH_EVENTS)

        def history() -> dict[str, Any]:
            end_ns = (end_s or sim.now_s) * 1_000_000_000
            start_ns = start_s * 1_000_000_000
            if end_ns < start_ns:
                raise RpcError(2, "end time must be greater than start time")
            in_range = [f for f in sim.forwards if start_ns <= f.timestamp_ns <= end_ns]
            page = in_range[offset : offset + limit]
            aliases = {c.chan_id: "" for c in sim.channels}
            if body.get("peer_alias_lookup") is True:
                nodes = sim.network.graph.nodes
                aliases = {c.chan_id: nodes[c.peer_pubkey].alias for c in sim.channels}
            return {
                "forwarding_events": [wire.forwarding_event(f, aliases) for f in page],
                "last_offset_index": offset + len(page),
            }

        return await locked(history)

    return router
