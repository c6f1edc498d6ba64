"""LND's invoice and payment endpoints: add/list/look up invoices, list payments, SendPaymentV2."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse

from lnpilot.errors import InvalidInputError, NotFoundError
from lnpilot.simnet import wire
from lnpilot.simnet.engine import Simulation
from lnpilot.simnet.lnd_routes import b64_bytes, read_body, run_locked, truthy
from lnpilot.simnet.payments import PaymentError
from lnpilot.simnet.policy import RpcError, as_int

T = TypeVar("T")


def build_payment_router(sim: Simulation, require: Callable[[Request, str], None]) -> APIRouter:
    router = APIRouter()

    async def locked(fn: Callable[[], T]) -> T:
        return await run_locked(sim, fn)

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
        offset, limit = _paging(dict(q), "num_max_invoices")

        def listing() -> dict[str, Any]:
            invs = [i for i in sim.book.invoices if not (truthy(q.get("pending_only")) and i.settled)]
            if truthy(q.get("reversed")):
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

    @router.get("/v1/payments")
    async def list_payments(request: Request) -> Any:
        require(request, "offchain:read")
        q = request.query_params
        offset, limit = _paging(dict(q), "max_payments")
        start, end = as_int(dict(q), "creation_date_start"), as_int(dict(q), "creation_date_end")

        def listing() -> dict[str, Any]:
            pays = [
                p
                for p in sim.book.payments
                if (truthy(q.get("include_incomplete")) or p.status == "SUCCEEDED")
                and start * 1_000_000_000 <= p.creation_time_ns
                and (not end or p.creation_time_ns <= end * 1_000_000_000)
            ]
            if truthy(q.get("reversed")):
                page = [p for p in pays if offset == 0 or p.payment_index < offset][-limit:]
            else:
                page = [p for p in pays if p.payment_index > offset][:limit]
            addrs = {i.r_hash: i.payment_addr for i in sim.book.invoices}
            return {
                # A payment to another node (simnet's /simnet/pay) is keysend-like: no invoice here.
                "payments": [wire.payment(p, addrs.get(p.payment_hash, b"")) for p in page],
                "first_index_offset": wire.u64(page[0].payment_index if page else 0),
                "last_index_offset": wire.u64(page[-1].payment_index if page else 0),
                "total_num_payments": wire.u64(len(pays) if truthy(q.get("count_total_payments")) else 0),
            }

        return await locked(listing)

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
            inflight = wire.payment(p, invoice.payment_addr)
            inflight.update(
                status="IN_FLIGHT",
                htlcs=[],
                failure_reason="FAILURE_REASON_NONE",
                fee="0",
                fee_sat="0",
                fee_msat="0",
                payment_preimage="0" * 64,
            )
            return inflight, wire.payment(p, invoice.payment_addr)

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


def _paging(query: dict[str, Any], limit_name: str) -> tuple[int, int]:
    offset, limit = as_int(query, "index_offset"), as_int(query, limit_name) or 100
    if offset < 0 or limit < 0:
        raise RpcError(3, f"index_offset and {limit_name} must not be negative")
    return offset, limit


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
    last_hop_hex = b64_bytes(last_hop, "last_hop_pubkey").hex() if last_hop else ""
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
