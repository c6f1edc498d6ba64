"""The LND REST endpoints simnet serves, each guarded by LND's macaroon permission."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from lnpilot.errors import InvalidInputError, NotFoundError
from lnpilot.simnet import wire
from lnpilot.simnet.engine import Simulation
from lnpilot.simnet.faults import Faults
from lnpilot.simnet.payments import PaymentError
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


def _truthy(value: str | None) -> bool:
    return (value or "").lower() in {"1", "true"}


def _b64_bytes(value: str, name: str) -> bytes:
    """Bytes from standard or URL-safe base64, as grpc-gateway accepts them."""
    text = value.strip().replace(" ", "+")  # a '+' that went through query-string decoding
    text += "=" * (-len(text) % 4)
    try:
        if "-" in text or "_" in text:
            return base64.urlsafe_b64decode(text)
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise RpcError(3, f"proto: invalid value for bytes field {name}") from None


def build_lnd_router(sim: Simulation, faults: Faults, require: Callable[[Request, str], None]) -> APIRouter:
    router = APIRouter()

    async def locked(fn: Callable[[], T]) -> T:
        def run() -> T:
            with sim.lock:
                return fn()

        return await run_in_threadpool(run)

    @router.get("/v1/getinfo")
    async def getinfo(request: Request) -> Any:
        require(request, "info:read")
        return await locked(lambda: wire.getinfo(sim))

    @router.get("/v1/channels")
    async def channels(request: Request) -> Any:
        require(request, "offchain:read")
        q = request.query_params
        peer = _b64_bytes(q["peer"], "peer").hex() if q.get("peer") else None

        def listing() -> dict[str, Any]:
            chans = [c for c in sim.channels if peer is None or c.peer_pubkey == peer]
            if _truthy(q.get("active_only")):
                chans = [c for c in chans if c.active]
            if _truthy(q.get("inactive_only")):
                chans = [c for c in chans if not c.active]
            if _truthy(q.get("private_only")):
                chans = []
            return {"channels": [wire.channel(c, sim) for c in chans]}

        return await locked(listing)

    @router.get("/v1/channels/closed")
    async def closed(request: Request) -> Any:
        require(request, "offchain:read")
        return {"channels": []}  # simnet never closes channels

    @router.get("/v1/channels/pending")
    async def pending(request: Request) -> Any:
        require(request, "offchain:read")
        return {
            "total_limbo_balance": "0",
            "pending_open_channels": [],
            "pending_closing_channels": [],
            "pending_force_closing_channels": [],
            "waiting_close_channels": [],
        }

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
        include = _truthy(request.query_params.get("include_channels"))

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
            plan = plan_policy_update(body, sim.channels, forced_failure=faults.take_policy_failure())
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

    @router.post("/v1/invoices")
    async def add_invoice(request: Request) -> Any:
        require(request, "invoices:write")
        body = await read_body(request)
        value, value_msat = as_int(body, "value"), as_int(body, "value_msat")
        if value and value_msat:
            raise RpcError(2, "value and value_msat are mutually exclusive")
        if value < 0 or value_msat < 0:
            raise RpcError(2, "payment of negative value is not allowed")
        memo = str(body.get("memo") or "")
        expiry = as_int(body, "expiry")
        inv = await locked(lambda: sim.book.add_invoice(value_msat or value * 1000, memo, expiry))
        return wire.add_invoice_response(inv)

    @router.get("/v1/invoices")
    async def list_invoices(request: Request) -> Any:
        require(request, "invoices:read")
        q = request.query_params
        offset = int(q.get("index_offset") or 0)
        limit = int(q.get("num_max_invoices") or 100)

        def listing() -> dict[str, Any]:
            invs = [i for i in sim.book.invoices if not (_truthy(q.get("pending_only")) and i.settled)]
            if _truthy(q.get("reversed")):
                before = [i for i in invs if offset == 0 or i.add_index < offset]
                page = before[-limit:]
            else:
                page = [i for i in invs if i.add_index > offset][:limit]
            return {
                "invoices": [wire.invoice(i) for i in page],
                "last_index_offset": wire.u64(page[-1].add_index if page else 0),
                "first_index_offset": wire.u64(page[0].add_index if page else 0),
            }

        return await locked(listing)

    @router.get("/v1/invoice/{r_hash_str}")
    async def lookup_invoice(request: Request, r_hash_str: str) -> Any:
        require(request, "invoices:read")
        try:
            r_hash = bytes.fromhex(r_hash_str)
        except ValueError:
            raise RpcError(3, "unable to decode r_hash_str: encoding/hex: invalid byte") from None

        def lookup() -> dict[str, Any]:
            try:
                return wire.invoice(sim.book.invoice_by_hash(r_hash))
            except NotFoundError:
                raise RpcError(5, "unable to locate invoice") from None

        return await locked(lookup)

    @router.post("/v2/router/send")
    async def send(request: Request) -> Any:
        require(request, "offchain:write")
        body = await read_body(request)
        try:
            kwargs = _send_args(body)
        except RpcError as exc:
            return _stream_error(exc)

        def pay() -> tuple[dict[str, Any], dict[str, Any]]:
            p = sim.book.pay(**kwargs)
            invoice = sim.book.invoice_by_hash(p.payment_hash)
            inflight = wire.payment(p, invoice.payment_addr, sim.now_ns)
            inflight.update(
                status="IN_FLIGHT",
                htlcs=[],
                failure_reason="FAILURE_REASON_NONE",
                fee="0",
                fee_sat="0",
                fee_msat="0",
                payment_preimage="0" * 64,
            )
            return inflight, wire.payment(p, invoice.payment_addr, sim.now_ns)

        try:
            inflight, final = await locked(pay)
        except (PaymentError, NotFoundError, InvalidInputError) as exc:
            return _stream_error(RpcError(2, str(exc)))
        updates = [final] if body.get("no_inflight_updates") is True else [inflight, final]

        def lines() -> Iterator[bytes]:
            for update in updates:
                yield (json.dumps({"result": update}) + "\n").encode()

        return StreamingResponse(lines(), media_type="application/json")

    return router


def _send_args(body: dict[str, Any]) -> dict[str, Any]:
    if as_int(body, "timeout_seconds") <= 0:
        raise RpcError(2, "timeout_seconds must be specified")
    fee_sat, fee_msat = as_int(body, "fee_limit_sat"), as_int(body, "fee_limit_msat")
    if fee_sat and fee_msat:
        raise RpcError(2, "fee limit cannot be set in both sat and msat")
    request = str(body.get("payment_request") or "")
    if not request:
        raise RpcError(2, "simnet pays only invoices of its own node: payment_request required")
    raw_ids = body.get("outgoing_chan_ids") or []
    if not isinstance(raw_ids, list):
        raise RpcError(3, "proto: outgoing_chan_ids must be a list")
    chan_ids = [as_int({"id": v}, "id") for v in raw_ids]
    last_hop = str(body.get("last_hop_pubkey") or "")
    last_hop_hex = _b64_bytes(last_hop, "last_hop_pubkey").hex() if last_hop else ""
    if last_hop and len(last_hop_hex) != 66:
        raise RpcError(2, "invalid vertex length")
    if not last_hop_hex:
        raise RpcError(2, "simnet needs last_hop_pubkey for a self-payment")
    amount_msat = as_int(body, "amt_msat") or as_int(body, "amt") * 1000
    return {
        "payment_request": request,
        "amount_msat": amount_msat,
        "outgoing_chan_ids": chan_ids,
        "last_hop_pubkey": last_hop_hex,
        "fee_limit_msat": fee_msat or fee_sat * 1000,
        "allow_self_payment": body.get("allow_self_payment") is True,
    }


def _stream_error(exc: RpcError) -> JSONResponse:
    # grpc-gateway: a stream failing before its first message answers the status of the error
    status = {3: 400, 5: 404}.get(exc.code, 500)
    return JSONResponse({"error": wire.error_body(exc.code, exc.message)}, status_code=status)
