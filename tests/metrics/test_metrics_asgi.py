from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI, HTTPException
from prometheus_client.parser import text_string_to_metric_families
from starlette.responses import Response

from lnpilot.metrics import Metrics, PrometheusMiddleware, render, route_template


def _app(m: Metrics) -> FastAPI:
    app = FastAPI()
    sub = FastAPI()

    @app.get("/v1/scores/node/{pubkey}")
    async def score(pubkey: str) -> dict[str, str]:
        return {"pubkey": pubkey}

    @app.get("/v1/missing/{x}")
    async def missing(x: str) -> dict[str, str]:
        raise HTTPException(status_code=404, detail="no such thing")

    @app.get("/boom")
    async def boom() -> dict[str, str]:
        raise RuntimeError("kaboom")

    @app.get("/metrics")
    async def metrics_route() -> Response:
        body, ctype = render(m)
        return Response(body, media_type=ctype)

    @sub.get("/items/{item_id}")
    async def item(item_id: int) -> dict[str, int]:
        return {"item_id": item_id}

    app.mount("/sub", sub)
    app.add_middleware(PrometheusMiddleware, metrics=m)
    return app


def _counts(m: Metrics) -> dict[tuple[str, str, str], float]:
    body, _ = render(m)
    out = {}
    for family in text_string_to_metric_families(body.decode()):
        for s in family.samples:
            if s.name == "lnpilot_api_requests_total":
                out[(s.labels["route"], s.labels["method"], s.labels["status"])] = s.value
    return out


async def test_latency_and_status_are_labelled_by_route_template() -> None:
    m = Metrics()
    transport = httpx.ASGITransport(app=_app(m), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        for key in ("02" + "aa" * 32, "03" + "bb" * 32, "02" + "cc" * 32):
            assert (await client.get(f"/v1/scores/node/{key}")).status_code == 200
        assert (await client.get("/v1/missing/abc")).status_code == 404
        assert (await client.get("/nowhere/at/all")).status_code == 404
        assert (await client.get("/boom")).status_code == 500
        assert (await client.get("/sub/items/7")).status_code == 200
        assert (await client.get("/metrics")).status_code == 200
    counts = _counts(m)
    assert counts == {
        ("/v1/scores/node/{pubkey}", "GET", "200"): 3,
        ("/v1/missing/{x}", "GET", "404"): 1,
        ("<unmatched>", "GET", "404"): 1,
        ("/boom", "GET", "500"): 1,
        ("/sub/items/{item_id}", "GET", "200"): 1,
    }
    body, _ = render(m)
    assert (
        b'lnpilot_api_request_duration_seconds_count{method="GET",route="/v1/scores/node/{pubkey}"} 3.0'
        in body
    )


async def test_non_http_scopes_pass_through() -> None:
    m = Metrics()
    seen = []

    async def inner(scope, receive, send):  # type: ignore[no-untyped-def]
        seen.append(scope["type"])

    middleware = PrometheusMiddleware(inner, metrics=m)
    await middleware({"type": "lifespan"}, None, None)  # type: ignore[arg-type]
    assert seen == ["lifespan"] and _counts(m) == {}


async def test_exception_before_response_counts_as_500_and_propagates() -> None:
    m = Metrics()

    async def inner(scope, receive, send):  # type: ignore[no-untyped-def]
        raise RuntimeError("down")

    middleware = PrometheusMiddleware(inner, metrics=m)
    with pytest.raises(RuntimeError):
        await middleware({"type": "http", "path": "/x", "method": "POST"}, None, None)  # type: ignore[arg-type]
    assert _counts(m) == {("<unmatched>", "POST", "500"): 1}


def test_route_template_without_route_or_with_foreign_root() -> None:
    assert route_template({"type": "http"}) == "<unmatched>"

    class R:
        path = "/a/{b}"

    assert route_template({"route": R(), "root_path": "/api"}) == "/a/{b}"
    assert route_template({"route": R(), "root_path": "/api/sub", "app_root_path": "/api"}) == "/sub/a/{b}"
    assert route_template({"route": R(), "root_path": "/x", "app_root_path": "/y"}) == "/a/{b}"
