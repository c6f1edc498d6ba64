"""The ASGI app: LND's routes and the control surface over one simulation, with faults and errors
shaped like LND's (grpc-gateway: ``{"code", "message", "details"}`` with the mapped HTTP status).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from lnpilot.simnet import wire
from lnpilot.simnet.auth import MacaroonChecker, MacaroonError
from lnpilot.simnet.control import build_control_router
from lnpilot.simnet.engine import Simulation
from lnpilot.simnet.faults import Faults, grpc_code_for
from lnpilot.simnet.lnd_chain_routes import build_chain_router
from lnpilot.simnet.lnd_htlc_routes import build_htlc_router
from lnpilot.simnet.lnd_payment_routes import build_payment_router
from lnpilot.simnet.lnd_routes import build_lnd_router
from lnpilot.simnet.policy import RpcError

MACAROON_HEADER = "grpc-metadata-macaroon"
_HTTP_FOR_GRPC = {
    0: 200,
    1: 499,
    2: 500,
    3: 400,
    4: 504,
    5: 404,
    6: 409,
    7: 403,
    9: 400,
    12: 501,
    14: 503,
    16: 401,
}
TICK_S = 0.2


def _lnd_error(code: int, message: str) -> JSONResponse:
    return JSONResponse(wire.error_body(code, message), status_code=_HTTP_FOR_GRPC.get(code, 500))


def build_app(
    sim: Simulation, checker: MacaroonChecker, faults: Faults | None = None, speed: float = 0.0
) -> FastAPI:
    """``speed`` > 0 runs the simulated clock at that multiple of wall time while serving."""
    faults = faults if faults is not None else Faults()

    def require(request: Request, permission: str) -> None:
        checker.require(request.headers.get(MACAROON_HEADER), permission)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(_run_clock(sim, speed)) if speed > 0 else None
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    app = FastAPI(title="simnet", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.sim = sim
    app.state.faults = faults

    @app.middleware("http")
    async def inject_faults(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if not request.url.path.startswith(("/v1/", "/v2/")):
            return await call_next(request)
        delay = faults.take_latency_s()
        if delay:
            await asyncio.sleep(delay)
        status = faults.take_5xx()
        if status is not None:
            body = wire.error_body(grpc_code_for(status), "simnet: injected fault")
            return JSONResponse(body, status_code=status)
        return await call_next(request)

    @app.exception_handler(MacaroonError)
    async def macaroon_error(_: Request, exc: MacaroonError) -> JSONResponse:
        return _lnd_error(2, exc.message)

    @app.exception_handler(RpcError)
    async def rpc_error(_: Request, exc: RpcError) -> JSONResponse:
        return _lnd_error(exc.code, exc.message)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        return _lnd_error(3, "invalid request")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 405:
            return _lnd_error(12, "Method Not Allowed")
        if exc.status_code == 404:
            return _lnd_error(5, "Not Found")
        return _lnd_error(2, str(exc.detail))

    app.include_router(build_lnd_router(sim, faults, require))
    app.include_router(build_payment_router(sim, require))
    app.include_router(build_htlc_router(sim.htlc_events, require))
    app.include_router(build_chain_router(sim, require))
    app.include_router(build_control_router(sim, faults, require))
    return app


async def _run_clock(sim: Simulation, speed: float) -> None:
    last = time.monotonic()
    while True:
        await asyncio.sleep(TICK_S)
        now = time.monotonic()
        await run_in_threadpool(sim.advance, (now - last) * speed)
        last = now
