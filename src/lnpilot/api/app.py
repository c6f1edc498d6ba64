"""The Lightning Scoring Service: ``create_app(settings)`` builds the FastAPI application."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from lnpilot import __version__
from lnpilot.api.auth import needs_key, route_scope
from lnpilot.api.fastpath import CachedScoreFastPath
from lnpilot.api.limits import BodyLimitMiddleware
from lnpilot.api.problems import (
    MEDIA_TYPE,
    PROBLEM_BASE,
    PROBLEMS,
    Problem,
    install_problem_handlers,
    problem_responses,
)
from lnpilot.api.routes import actions, channels, decisions, economics, failures, health, scores
from lnpilot.api.services import BUILTIN_PROFILES, ApiServices
from lnpilot.logctx import RequestIdMiddleware
from lnpilot.metrics.asgi import PrometheusMiddleware
from lnpilot.metrics.registry import Metrics
from lnpilot.settings import DEFAULT_NODE, Settings, select_node
from lnpilot.web import mount_web

# Documented in the spec only: the routes check keys themselves to answer with `malformed-pubkey`.
PUBKEY_PATTERN = "^0[23][0-9a-f]{64}$"

DESCRIPTION = f"""
Scores of every public Lightning node (eight measured heuristics and a composite), rankings, batch
lookups, and the autopilot's channels, decisions and transactions.

**Authentication**: an API key (`lnpilot apikey create --scope read|admin`) as
`Authorization: Bearer <key>` or `X-API-Key: <key>`. Node scores and rankings are public unless
`api.public_scores = false`; our channels, decisions and transactions need a key unless
`api.public_reads = true`; every mutation needs an admin key. Failed keys are counted per address
(`api.auth_failures_per_minute`).

**Limits**: request bodies up to `api.max_body_bytes` (1 MiB; larger: `413`).

**Rate limits**: per key, or per client address without a key; over the limit the answer is `429`
with `Retry-After`.

**Errors** are `application/problem+json` (RFC 9457) with a stable `type`:
{chr(10).join(f"- `{PROBLEM_BASE}{code}` ({status}): {title}" for code, (status, title) in PROBLEMS.items())}
"""

TAGS = [
    {"name": "scores", "description": "Public node scores, rankings and batch lookups."},
    {"name": "channels", "description": "Our channels with their scores and latest decision."},
    {"name": "decisions", "description": "The shadow log of decisions and expert reviews."},
    {"name": "actions", "description": "Execution and rollback (admin key)."},
    {"name": "economics", "description": "P&L, the accounting ledger and peer suggestions."},
    {"name": "health", "description": "Liveness, readiness and Prometheus metrics."},
]


def create_app(settings: Settings, services: ApiServices | None = None) -> FastAPI:
    metrics = services.metrics if services is not None else Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = services is None
        app.state.services = services or await ApiServices.from_settings(settings, metrics)
        # A fleet (`[nodes.NAME]`): every node's store and backend, chosen per request by ?node=.
        app.state.node_services = {}
        try:
            for name in settings.nodes:
                app.state.node_services[name] = await ApiServices.from_settings(
                    select_node(settings, name), metrics
                )
            yield
        finally:
            for node_svc in app.state.node_services.values():
                await node_svc.aclose()
            if owned:
                await app.state.services.aclose()

    app = FastAPI(
        title="lnpilot Lightning Scoring Service",
        version=__version__,
        description=DESCRIPTION,
        openapi_tags=TAGS,
        license_info={"name": "MIT"},
        lifespan=lifespan,
        docs_url=None,  # served by lnpilot.web from vendored assets, not a CDN
        redoc_url=None,
    )
    app.state.settings = settings
    if services is not None:
        app.state.services = services
    install_problem_handlers(app)
    for module in (scores, channels, decisions, actions, economics, failures, health):
        app.include_router(module.router)
    mount_web(app, settings)  # the dashboard at /ui and the local Swagger UI at /docs
    # Outermost last: request ids > metrics > CORS > body limit > cached fast path > routes, so the
    # fast path's answers carry CORS headers and a huge body never reaches a route.
    app.add_middleware(CachedScoreFastPath)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.api.max_body_bytes)
    if settings.api.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.api.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type"],
            expose_headers=["Retry-After", "X-Request-ID"],
        )
    app.add_middleware(PrometheusMiddleware, metrics=metrics)
    app.add_middleware(RequestIdMiddleware)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def server_options(settings: Settings) -> dict[str, Any]:
    """uvicorn options every server of this app uses: forwarded headers only from trusted proxies.

    uvicorn believes ``X-Forwarded-For`` from 127.0.0.1 by default, so any local client could pick
    its own address (and reset its rate limit); here nothing is believed unless configured.
    """
    trusted = list(settings.api.trusted_proxies)
    return {
        "proxy_headers": bool(trusted),
        "forwarded_allow_ips": trusted or "",
        "log_config": None,  # keep lnpilot's structured logging (and its redaction)
        "access_log": False,
    }


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's spec, with its generic 422 replaced by the problem+json the handlers really send."""
    if app.openapi_schema is None:
        spec = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            tags=app.openapi_tags,
            license_info=app.license_info,
        )
        invalid = problem_responses("invalid-request")[422]
        problem_schema = {"$ref": "#/components/schemas/Problem"}
        for operations in spec.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.get("responses", {})
                if "422" in responses and "application/json" in responses["422"].get("content", {}):
                    responses["422"] = {
                        "description": invalid["description"],
                        "content": {MEDIA_TYPE: {"schema": problem_schema, **_examples(invalid)}},
                    }
        components = spec.setdefault("components", {})
        # Auth is checked in one dependency that reads the headers itself; document it here.
        components["securitySchemes"] = {
            "bearer": {"type": "http", "scheme": "bearer", "description": "An lnpilot API key."},
            "apiKey": {
                "type": "apiKey",
                "in": "header",
                "name": "X-API-Key",
                "description": "An lnpilot API key.",
            },
        }
        api = app.state.settings.api
        # The profiles this server knows (built in + configured): anything else is a 422.
        profiles = sorted({*BUILTIN_PROFILES, *app.state.settings.profiles})
        # The nodes this server serves (``?node=``): the top-level one and every ``[nodes.NAME]``.
        nodes = [DEFAULT_NODE, *sorted(app.state.settings.nodes)]
        scopes = {
            (route.path, method.lower()): route_scope(route.dependant)
            for route in _api_routes(app.routes)
            for method in route.methods or ()
        }
        for path, operations in spec.get("paths", {}).items():
            for method, operation in operations.items():
                for parameter in operation.get("parameters", []):
                    if parameter.get("name") == "pubkey" and parameter.get("in") == "path":
                        parameter["schema"]["pattern"] = PUBKEY_PATTERN
                    if parameter.get("name") == "profile":
                        parameter["schema"]["enum"] = profiles
                    if parameter.get("name") == "node" and parameter.get("in") == "query":
                        parameter["schema"]["enum"] = nodes
                scope = scopes.get((path, method))
                if scope is None:
                    continue
                keyed: list[dict[str, list[str]]] = [{"bearer": []}, {"apiKey": []}]
                # An empty requirement ({}) makes the key optional: the route also answers anonymously.
                required = needs_key(scope, api.public_reads, api.public_scores)
                operation["security"] = keyed if required else [{}, *keyed]
        schemas = components.setdefault("schemas", {})
        batch_in = schemas.get("BatchIn", {}).get("properties", {}).get("pubkeys", {})
        if "items" in batch_in:
            batch_in["items"]["pattern"] = PUBKEY_PATTERN
        apply_profile = schemas.get("ApplyIn", {}).get("properties", {}).get("profile", {})
        for option in apply_profile.get("anyOf", []):
            if option.get("type") == "string":
                option["enum"] = profiles
        schemas.setdefault("Problem", Problem.model_json_schema())
        for unused in ("HTTPValidationError", "ValidationError"):
            schemas.pop(unused, None)
        app.openapi_schema = spec
    return app.openapi_schema


def _api_routes(routes: Any) -> Iterator[APIRoute]:
    """Every APIRoute, also inside included routers (FastAPI keeps those as wrappers)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _api_routes(inner.routes)


def _examples(entry: dict[str, Any]) -> dict[str, Any]:
    return {"examples": entry["content"][MEDIA_TYPE]["examples"]}
