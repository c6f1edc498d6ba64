"""The control surface outside LND's namespace (``/simnet/...``): clock, faults, ground truth.

Every route needs the admin macaroon. Answers are plain JSON (integers as numbers): this is
simnet's own API, not LND's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from lnpilot.simnet.engine import Simulation, channel_truth
from lnpilot.simnet.faults import Faults, FaultSpecError
from lnpilot.simnet.lnd_routes import read_body

MAX_ADVANCE_S = 366 * 86_400
_POLICY_KEYS = {"chan_id", "channel_point", "peer", "policy", "peer_policy"}


def _problem(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def build_control_router(
    sim: Simulation, faults: Faults, require: Callable[[Request, str], None]
) -> APIRouter:
    router = APIRouter(prefix="/simnet")

    @router.get("/clock")
    async def clock(request: Request) -> Any:
        require(request, "simnet:control")
        with sim.lock:
            return {"now": sim.now_s, "block_height": sim.block_height, "start": sim.start_s}

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
        settled = await run_in_threadpool(sim.advance, float(seconds))
        with sim.lock:
            return {"now": sim.now_s, "block_height": sim.block_height, "forwards_settled": settled}

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

    @router.get("/truth")
    async def truth(request: Request) -> Any:
        require(request, "simnet:control")
        return await run_in_threadpool(sim.truth)

    @router.get("/truth/channels")
    async def truth_channels(request: Request) -> Any:
        require(request, "simnet:control")
        with sim.lock:
            return {"channels": [channel_truth(c) for c in sim.channels]}

    @router.get("/truth/policies")
    async def truth_policies(request: Request) -> Any:
        require(request, "simnet:control")
        with sim.lock:
            return {
                "policies": [
                    {key: value for key, value in channel_truth(c).items() if key in _POLICY_KEYS}
                    for c in sim.channels
                ]
            }

    @router.get("/truth/forwards")
    async def truth_forwards(request: Request) -> Any:
        require(request, "simnet:control")
        with sim.lock:
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

    @router.get("/truth/failures")
    async def truth_failures(request: Request) -> Any:
        require(request, "simnet:control")
        with sim.lock:
            return {
                "failed_for_liquidity": {str(c.chan_id): c.failed_for_liquidity for c in sim.channels},
                "failed_peer_liquidity": {str(c.chan_id): c.failed_peer_liquidity for c in sim.channels},
            }

    return router
