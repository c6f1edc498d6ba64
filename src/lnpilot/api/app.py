"""The Lightning Scoring Service: ``create_app(settings)`` builds the FastAPI application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi

from lnpilot import __version__
from lnpilot.api.fastpath import CachedScoreFastPath
from lnpilot.api.problems import (
    MEDIA_TYPE,
    PROBLEM_BASE,
    PROBLEMS,
    Problem,
    install_problem_handlers,
    problem_responses,
)
from lnpilot.api.routes import actions, channels, decisions, economics, health, scores
from lnpilot.api.services import ApiServices
from lnpilot.logctx import RequestIdMiddleware
from lnpilot.metrics.asgi import PrometheusMiddleware
from lnpilot.metrics.registry import Metrics
from lnpilot.settings import Settings

DESCRIPTION = f"""
Scores of every public Lightning node (eight measured heuristics and a composite), rankings, batch
lookups, and the autopilot's channels, decisions and transactions.

**Authentication**: an API key (`lnpilot apikey create --scope read|admin`) as
`Authorization: Bearer <key>` or `X-API-Key: <key>`. Read routes may be public (setting
`api.public_reads`); every mutation needs an admin key.

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
        try:
            yield
        finally:
            if owned:
                await app.state.services.aclose()

    app = FastAPI(
        title="lnpilot Lightning Scoring Service",
        version=__version__,
        description=DESCRIPTION,
        openapi_tags=TAGS,
        license_info={"name": "MIT"},
        lifespan=lifespan,
    )
    if services is not None:
        app.state.services = services
    install_problem_handlers(app)
    for module in (scores, channels, decisions, actions, economics, health):
        app.include_router(module.router)
    if settings.api.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.api.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type"],
        )
    app.add_middleware(CachedScoreFastPath)  # innermost: metrics and request ids still wrap it
    app.add_middleware(PrometheusMiddleware, metrics=metrics)
    app.add_middleware(RequestIdMiddleware)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


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
        for path, operations in spec.get("paths", {}).items():
            if path.startswith("/v1/"):
                for operation in operations.values():
                    operation["security"] = [{"bearer": []}, {"apiKey": []}]
        schemas = components.setdefault("schemas", {})
        schemas.setdefault("Problem", Problem.model_json_schema())
        for unused in ("HTTPValidationError", "ValidationError"):
            schemas.pop(unused, None)
        app.openapi_schema = spec
    return app.openapi_schema


def _examples(entry: dict[str, Any]) -> dict[str, Any]:
    return {"examples": entry["content"][MEDIA_TYPE]["examples"]}
