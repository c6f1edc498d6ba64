"""The control surface outside LND's namespace (``/simnet/...``): clock, faults, ground truth.

Every route needs the admin macaroon. Answers are plain JSON (integers as numbers): this is
simnet's own API, not LND's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeGuard

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from lnpilot.simnet.engine import Simulation, channel_truth
from lnpilot.simnet.faults import Faults, FaultSpecError
from lnpilot.simnet.lnd_routes import read_body, run_locked
from lnpilot.simnet.payments import PaymentError

MAX_ADVANCE_S = 366 * 86_400
MAX_AMOUNT_MSAT = 21_000_000 * 100_000_000 * 1000
_POLICY_KEYS = {"chan_id", "channel_point", "peer", "policy", "peer_policy"}


def _positive_int(value: object, *, zero: bool = False) -> TypeGuard[int]:
    if isinstance(value, bool) or not isinstance(value, int):
        return False
    return 0 <= value <= MAX_AMOUNT_MSAT if zero else 0 < value <= MAX_AMOUNT_MSAT


def _problem(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def build_control_router(
    sim: Simulation, faults: Faults, require: Callable[[Request, str], None]
) -> APIRouter:
    router = APIRouter(prefix="/simnet")

    @router.get("/clock")
    async def clock(request: Request) -> Any:
        require(request, "simnet:control")
        return await run_locked(
            sim, lambda: {"now": sim.now_s, "block_height": sim.block_height, "start": sim.start_s}
        )

    @router.post("/clock/advance")
    async def advance(request: Request) -> Any:
        require(request, "simnet:control")
        body = await read_body(request)
        seconds = body.get("seconds")
        if (
            isinstance(seconds, bool)
            or not isinstance(seconds, int | float)
            or not 0 <= seconds <= MAX_ADVANCE_S
        ):
            return _problem(400, f"seconds must be a number between 0 and {MAX_ADVANCE_S}")

        def run() -> dict[str, Any]:
            settled = sim.advance(float(seconds))
            return {"now": sim.now_s, "block_height": sim.block_height, "forwards_settled": settled}

        return await run_locked(sim, run)

    @router.get("/faults")
    async def get_faults(request: Request) -> Any:
        require(request, "simnet:control")
        return faults.view()

    @router.post("/faults")
    async def set_faults(request: Request) -> Any:
        require(request, "simnet:control")
        body = await read_body(request)
        try:
            faults.configure(body)
        except FaultSpecError as exc:
            return _problem(400, str(exc))
        return faults.view()

    @router.delete("/faults")
    async def clear_faults(request: Request) -> Any:
        require(request, "simnet:control")
        faults.clear()
        return faults.view()

    @router.post("/pay")
    async def pay(request: Request) -> Any:
        """Our node pays a node of the graph (keysend-like): ``{"pubkey", "amount_msat",
        "fee_limit_msat"}``; answers the payment's hash, status and fee."""
        require(request, "simnet:control")
        body = await read_body(request)
        pubkey, amount, limit = body.get("pubkey"), body.get("amount_msat"), body.get("fee_limit_msat", 0)
        if not isinstance(pubkey, str) or not _positive_int(amount) or not _positive_int(limit, zero=True):
            return _problem(400, "pay needs pubkey (hex), amount_msat > 0 and fee_limit_msat >= 0")
        amount_msat, limit_msat = amount, limit
        try:
            payment = await run_locked(sim, lambda: sim.book.pay_node(pubkey, amount_msat, limit_msat))
        except PaymentError as exc:
            return _problem(400, str(exc))
        return {
            "payment_hash": payment.payment_hash.hex(),
            "status": payment.status,
            "fee_msat": payment.fee_msat,
            "failure_reason": payment.failure_reason,
        }

    @router.post("/receive")
    async def receive(request: Request) -> Any:
        """A node of the graph pays a new invoice of ours: ``{"amount_msat", "memo"}``."""
        require(request, "simnet:control")
        body = await read_body(request)
        amount, memo = body.get("amount_msat"), body.get("memo", "")
        if not _positive_int(amount) or not isinstance(memo, str) or len(memo) > 639:
            return _problem(400, "receive needs amount_msat > 0 and an optional memo (text)")
        amount_msat = amount
        try:
            invoice, channel = await run_locked(sim, lambda: sim.book.receive(amount_msat, memo))
        except PaymentError as exc:
            return _problem(400, str(exc))
        return {
            "r_hash": invoice.r_hash.hex(),
            "add_index": invoice.add_index,
            "chan_id": str(channel.chan_id),
        }

    @router.get("/truth")
    async def truth(request: Request) -> Any:
        require(request, "simnet:control")
        return await run_locked(sim, sim.truth)

    @router.get("/truth/chain")
    async def truth_chain(request: Request) -> Any:
        require(request, "simnet:control")
        return await run_locked(sim, sim.chain.truth)

    @router.get("/truth/channels")
    async def truth_channels(request: Request) -> Any:
        require(request, "simnet:control")
        return await run_locked(sim, lambda: {"channels": [channel_truth(c) for c in sim.channels]})

    @router.get("/truth/policies")
    async def truth_policies(request: Request) -> Any:
        require(request, "simnet:control")

        def policies() -> dict[str, Any]:
            rows = [channel_truth(c) for c in sim.channels]
            return {"policies": [{k: v for k, v in row.items() if k in _POLICY_KEYS} for row in rows]}

        return await run_locked(sim, policies)

    @router.get("/truth/forwards")
    async def truth_forwards(request: Request) -> Any:
        require(request, "simnet:control")

        def forwards() -> dict[str, Any]:
            return {
                "forwards": [
                    {
                        "timestamp_ns": f.timestamp_ns,
                        "chan_id_in": str(f.chan_id_in),
                        "chan_id_out": str(f.chan_id_out),
                        "amt_in_msat": f.amt_in_msat,
                        "amt_out_msat": f.amt_out_msat,
                        "fee_msat": f.fee_msat,
                    }
                    for f in sim.forwards
                ]
            }

        return await run_locked(sim, forwards)

    @router.get("/truth/failures")
    async def truth_failures(request: Request) -> Any:
        require(request, "simnet:control")

        def failures() -> dict[str, Any]:
            counts = sim.htlc_events.failures
            return {
                "failed_for_liquidity": {str(c.chan_id): c.failed_for_liquidity for c in sim.channels},
                "failed_peer_liquidity": {str(c.chan_id): c.failed_peer_liquidity for c in sim.channels},
                # every refusal at our node, per kind (simnet.htlc_events.FailureKind) and outgoing
                # channel: what the HTLC stream carried as link_fail events
                "by_kind": {
                    kind.value: {str(c.chan_id): counts[kind].get(c.chan_id, 0) for c in sim.channels}
                    for kind in counts
                },
            }

        return await run_locked(sim, failures)

    return router
