"""API keys (``Authorization: Bearer`` or ``X-API-Key``), scopes, and per-client rate limits.

One dependency per route does all of it and hands the route its services: FastAPI's dependency
solving costs more than the cached score lookup itself, so the hot path keeps it to one.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from fastapi import Depends, Request

from lnpilot.api.problems import ApiProblem
from lnpilot.api.services import ApiServices


class Scope(StrEnum):
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


def services_of(request: Request) -> ApiServices:
    svc: ApiServices = request.app.state.services
    return svc


async def services(request: Request) -> ApiServices:
    """Dependency for the unauthenticated routes. Async: FastAPI runs a ``def`` one in a thread."""
    return services_of(request)


def _presented_key(request: Request) -> str | None:
    key = request.headers.get("x-api-key")
    if key:
        return key
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    return credentials.strip() or None if scheme.lower() == "bearer" else None


async def _caller(request: Request, svc: ApiServices) -> Caller:
    address = request.client.host if request.client else "unknown"
    presented = _presented_key(request)
    if not presented:
        return Caller(None, None, address)
    async with svc.store.unit_of_work() as uow:
        record = await uow.api_keys.authenticate(presented, svc.now())
    if record is None:
        raise ApiProblem(
            "invalid-api-key", "unknown or revoked API key", headers={"WWW-Authenticate": "Bearer"}
        )
    return Caller(record.name, Scope(record.scope), address)


async def _rate_limit(svc: ApiServices, caller: Caller) -> None:
    identity = f"key:{caller.key_name}" if caller.key_name else f"ip:{caller.address}"
    decision = await svc.limiter.hit(identity)
    if not decision.allowed:
        raise ApiProblem(
            "rate-limited",
            f"more than {decision.limit} requests per minute",
            headers={"Retry-After": str(decision.retry_after_s)},
            retry_after=decision.retry_after_s,
        )


async def authorize(request: Request, scope: Scope) -> Ctx:
    """Identify the caller, rate-limit it, check its key allows ``scope``; raise ApiProblem if not."""
    svc = services_of(request)
    caller = await _caller(request, svc)
    await _rate_limit(svc, caller)
    public = scope is Scope.READ and svc.settings.api.public_reads
    if caller.scope is None and not public:
        raise ApiProblem(
            "unauthenticated", f"this route needs a {scope.value} key", headers={"WWW-Authenticate": "Bearer"}
        )
    if caller.scope is not None and scope is Scope.ADMIN and caller.scope is not Scope.ADMIN:
        raise ApiProblem("forbidden", "this route needs an admin key")
    return Ctx(svc, caller)


def require(scope: Scope) -> Any:
    """Route dependency running ``authorize`` for ``scope``."""

    async def dependency(request: Request) -> Ctx:
        return await authorize(request, scope)

    return Depends(dependency)


READ = require(Scope.READ)
ADMIN = require(Scope.ADMIN)
