"""Liveness, readiness (each dependency with its own status) and Prometheus metrics."""

from __future__ import annotations

import asyncio
import time

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from lnpilot import __version__
from lnpilot.api.auth import services
from lnpilot.api.schemas import CheckOut, HealthOut, ReadyOut
from lnpilot.api.services import ApiServices
from lnpilot.metrics.exposition import render

router = APIRouter(tags=["health"])
_PROBE_TIMEOUT_S = 3.0


@router.get("/health", response_model=HealthOut, summary="Liveness: the process answers")
async def health() -> HealthOut:
    return HealthOut(version=__version__)


async def _database(svc: ApiServices) -> CheckOut:
    async with svc.store.unit_of_work() as uow:
        await uow.sync_state.all()
    return CheckOut(status="ok", detail=svc.store.kind)


async def _cache(svc: ApiServices) -> CheckOut:
    await svc.scores.cache.set("ready:probe", b"1", 5.0)
    ok = await svc.scores.cache.get("ready:probe") == b"1"
    return CheckOut(status="ok" if ok else "fail", detail=getattr(svc.scores.cache, "kind", ""))


async def _backend(svc: ApiServices) -> CheckOut:
    if svc.backend_factory is None:
        return CheckOut(status="not_configured", detail="no node backend configured")
    backend = svc.backend_factory()
    try:
        info = await backend.get_info()
    finally:
        await backend.aclose()
    return CheckOut(status="ok", detail=f"synced_to_chain={info.synced_to_chain}")


async def _graph(svc: ApiServices) -> CheckOut:
    async with svc.store.unit_of_work() as uow:
        snapshot = await uow.graph.latest_snapshot()
    if snapshot is None:
        return CheckOut(status="stale", detail="no graph snapshot yet")
    age_s = svc.now() - snapshot.taken_at
    fresh = age_s <= 2 * svc.settings.daemon.graph_refresh_seconds
    return CheckOut(status="ok" if fresh else "stale", detail=f"snapshot age {age_s} s")


async def _probe(name: str, check: object, svc: ApiServices) -> tuple[str, CheckOut]:
    try:
        result = await asyncio.wait_for(check(svc), _PROBE_TIMEOUT_S)  # type: ignore[operator]
    except Exception as exc:  # a readiness probe reports failures, it does not raise them
        return name, CheckOut(status="fail", detail=type(exc).__name__)
    return name, result


@router.get(
    "/ready",
    response_model=ReadyOut,
    summary="Readiness: database, cache, backend and graph freshness",
    description="200 when the database and the cache work; 503 otherwise. The backend and the graph "
    "report their own status without making the service unready (scores are still served). The answer "
    "is cached for `api.ready_cache_seconds` (5 s).",
    responses={503: {"model": ReadyOut, "description": "a required dependency failed"}},
)
async def ready(svc: ApiServices = Depends(services)) -> JSONResponse:
    # Answered from a short cache: each probe costs the node a request, and /ready is open to anyone.
    ttl = svc.settings.api.ready_cache_seconds
    cached = svc.ready_cache
    if cached is not None and time.monotonic() - cached[0] < ttl:
        return JSONResponse(
            cached[2], status_code=cached[1], headers={"Cache-Control": f"max-age={int(ttl)}"}
        )
    checks = dict(
        await asyncio.gather(
            _probe("database", _database, svc),
            _probe("cache", _cache, svc),
            _probe("backend", _backend, svc),
            _probe("graph", _graph, svc),
        )
    )
    ok = checks["database"].status == "ok" and checks["cache"].status == "ok"
    body = ReadyOut(status="ok" if ok else "unavailable", checks=checks).model_dump()
    status = 200 if ok else 503
    svc.ready_cache = (time.monotonic(), status, body)
    return JSONResponse(body, status_code=status, headers={"Cache-Control": f"max-age={int(ttl)}"})


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(request: Request) -> Response:
    # One registry for the process, whichever node a request named: no ``?node=`` here.
    svc: ApiServices = request.app.state.services
    payload, content_type = render(svc.metrics, request.headers.get("accept"))
    return Response(payload, media_type=content_type)
