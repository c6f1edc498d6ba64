"""API keys (``Authorization: Bearer`` or ``X-API-Key``), scopes, and per-client rate limits.

One dependency per route does all of it and hands the route its services: FastAPI's dependency
solving costs more than the cached score lookup itself, so the hot path keeps it to one.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

from fastapi import Depends, Query, Request

from lnpilot.api.problems import ApiProblem
from lnpilot.api.ratelimit import RateDecision
from lnpilot.api.services import ApiServices
from lnpilot.logs import get_logger
from lnpilot.settings import DEFAULT_NODE

_log = get_logger("lnpilot.api.auth")


class Scope(StrEnum):
    PUBLIC = "public"  # the public graph's scores: open unless ``api.public_scores`` is false
    READ = "read"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class Caller:
    key_name: str | None  # None: anonymous
    scope: Scope | None
    address: str


@dataclass(frozen=True, slots=True)
class Ctx:
    """What an authorised route gets: the services and who is calling."""

    svc: ApiServices
    caller: Caller


# Declared on every route that reads it, so it is in the OpenAPI document; the spec builder
# (``api.app``) adds the configured names as its enum, like ``profile``'s.
NodeParam = Annotated[
    str,
    Query(
        max_length=64,
        description="Which node of a fleet (`[nodes.NAME]`) to answer for; `default` is the "
        "top-level node. API keys and rate limits are shared by every node.",
    ),
]


def services_of(request: Request) -> ApiServices:
    """The services of the node the request names with ``?node=NAME`` (a ``[nodes.NAME]`` of a
    fleet), else of the top-level node. API keys and rate limits are always the top level's.
    An unknown name is a 422 ``invalid-input`` naming the configured ones (as an unknown profile)."""
    svc: ApiServices = request.app.state.services
    node = request.query_params.get("node")
    if node is None or node == DEFAULT_NODE:
        return svc
    by_node: dict[str, ApiServices] = getattr(request.app.state, "node_services", {})
    if node not in by_node:
        known = ", ".join([DEFAULT_NODE, *sorted(by_node)])
        raise ApiProblem("invalid-input", f"unknown node {node[:64]!r}; configured nodes: {known}")
    return by_node[node]


async def services(request: Request, node: NodeParam = DEFAULT_NODE) -> ApiServices:
    """Dependency for the unauthenticated node-facing routes (``node`` is read by ``services_of``;
    declared here for the spec). Async: FastAPI runs a ``def`` one in a thread."""
    return services_of(request)


def _presented_keys(request: Request) -> list[str]:
    """Every key the request carries (``X-API-Key`` and ``Authorization: Bearer``), distinct."""
    keys = []
    header_key = request.headers.get("x-api-key")
    if header_key:
        keys.append(header_key)
    authorization = request.headers.get("authorization")
    if authorization is not None:
        scheme, _, credentials = authorization.strip().partition(" ")
        # A bearer key, or else a credential we cannot use: refused rather than ignored, so a
        # request never passes on one header while carrying a bad credential in another.
        keys.append(credentials.strip() or " " if scheme.lower() == "bearer" else " ")
    return list(dict.fromkeys(keys))


async def _caller(request: Request, svc: ApiServices) -> Caller:
    # request.client is the TCP peer unless uvicorn was told to trust a proxy (api.trusted_proxies).
    address = request.client.host if request.client else "unknown"
    presented = _presented_keys(request)
    if not presented:
        return Caller(None, None, address)
    # Failed attempts are counted per address; over the budget every keyed request from that
    # address is refused before the key is even looked up, so keys cannot be guessed at speed.
    failures = f"authfail:{address}"
    if await svc.auth_failures.count(failures) >= svc.settings.api.auth_failures_per_minute:
        _too_many(await svc.auth_failures.hit(failures))
    # Every credential presented must be valid and name the same key: an invalid one is never
    # ignored because another header happens to carry a good key.
    async with svc.store.unit_of_work() as uow:
        records = [await uow.api_keys.authenticate(key, svc.now()) for key in presented]
    record = records[0] if all(r is not None for r in records) else None
    if record is not None and any(r is not None and r.id != record.id for r in records):
        record = None
    if record is None:
        decision = await svc.auth_failures.hit(failures)
        svc.metrics.record_api_auth_failure()
        _log.warning("api_auth_failed", address=address, path=request.url.path)
        if not decision.allowed:
            _too_many(decision)
        raise ApiProblem(
            "invalid-api-key", "unknown or revoked API key", headers={"WWW-Authenticate": "Bearer"}
        )
    return Caller(record.name, Scope(record.scope), address)


def _too_many(decision: RateDecision) -> None:
    raise ApiProblem(
        "rate-limited",
        f"more than {decision.limit} requests per minute",
        headers={"Retry-After": str(decision.retry_after_s)},
        retry_after=decision.retry_after_s,
    )


async def _rate_limit(svc: ApiServices, caller: Caller) -> None:
    identity = f"key:{caller.key_name}" if caller.key_name else f"ip:{caller.address}"
    decision = await svc.limiter.hit(identity)
    if not decision.allowed:
        _too_many(decision)


async def authorize(request: Request, scope: Scope) -> Ctx:
    """Identify the caller, rate-limit it, check its key allows ``scope``; raise ApiProblem if not."""
    home: ApiServices = request.app.state.services  # keys and limits: one set for the whole fleet
    svc = services_of(request)
    caller = await _caller(request, home)
    await _rate_limit(home, caller)
    api = home.settings.api
    public = (scope is Scope.READ and api.public_reads) or (
        scope is Scope.PUBLIC and (api.public_scores or api.public_reads)
    )
    if caller.scope is None and not public:
        needed = "an admin" if scope is Scope.ADMIN else "an API"
        raise ApiProblem(
            "unauthenticated", f"this route needs {needed} key", headers={"WWW-Authenticate": "Bearer"}
        )
    if caller.scope is not None and scope is Scope.ADMIN and caller.scope is not Scope.ADMIN:
        raise ApiProblem("forbidden", "this route needs an admin key")
    return Ctx(svc, caller)


def require(scope: Scope) -> Any:
    """Route dependency running ``authorize`` for ``scope``."""

    async def dependency(request: Request, node: NodeParam = DEFAULT_NODE) -> Ctx:
        # ``node`` is read by ``services_of`` (the fast path has no parameters); declared here so
        # every authorised route documents it.
        return await authorize(request, scope)

    dependency.lnpilot_scope = scope  # type: ignore[attr-defined]  # read by the OpenAPI builder
    return Depends(dependency)


def route_scope(dependant: Any) -> Scope | None:
    """The scope a route's ``require`` dependency asks for (None: an open route)."""
    for dep in dependant.dependencies:
        scope = getattr(dep.call, "lnpilot_scope", None)
        if scope is not None:
            return scope  # type: ignore[no-any-return]
        inner = route_scope(dep)
        if inner is not None:
            return inner
    return None


def needs_key(scope: Scope | None, public_reads: bool, public_scores: bool) -> bool:
    if scope is None:
        return False
    if scope is Scope.ADMIN:
        return True
    if scope is Scope.READ:
        return not public_reads
    return not (public_scores or public_reads)


PUBLIC = require(Scope.PUBLIC)
READ = require(Scope.READ)
ADMIN = require(Scope.ADMIN)
