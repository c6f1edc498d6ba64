"""API keys (``Authorization: Bearer`` or ``X-API-Key``), scopes, and per-client rate limits."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

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


_bearer = HTTPBearer(auto_error=False, description="An lnpilot API key as a bearer token.")
_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="An lnpilot API key.")


def services(request: Request) -> ApiServices:
    svc: ApiServices = request.app.state.services
    return svc


async def _caller(
    request: Request,
    bearer: HTTPAuthorizationCredentials | None = Depends(_bearer),
    header_key: str | None = Depends(_header),
) -> Caller:
    svc = services(request)
    address = request.client.host if request.client else "unknown"
    presented = header_key or (bearer.credentials if bearer else None)
    if not presented:
        return Caller(None, None, address)
    async with svc.store.unit_of_work() as uow:
        record = await uow.api_keys.authenticate(presented, svc.now())
    if record is None:
        raise ApiProblem(
            "invalid-api-key", "unknown or revoked API key", headers={"WWW-Authenticate": "Bearer"}
        )
    return Caller(record.name, Scope(record.scope), address)


async def _rate_limit(request: Request, caller: Caller) -> None:
    svc = services(request)
    identity = f"key:{caller.key_name}" if caller.key_name else f"ip:{caller.address}"
    decision = await svc.limiter.hit(identity)
    if not decision.allowed:
        raise ApiProblem(
            "rate-limited",
            f"more than {decision.limit} requests per minute",
            headers={"Retry-After": str(decision.retry_after_s)},
            retry_after=decision.retry_after_s,
        )


def require(scope: Scope) -> Any:
    """Dependency: rate-limit the caller, then check its key allows ``scope``."""

    async def dependency(request: Request, caller: Caller = Depends(_caller)) -> Caller:
        await _rate_limit(request, caller)
        public = scope is Scope.READ and services(request).settings.api.public_reads
        if caller.scope is None and not public:
            raise ApiProblem(
                "unauthenticated",
                f"this route needs a {scope.value} key",
                headers={"WWW-Authenticate": "Bearer"},
            )
        if caller.scope is not None and scope is Scope.ADMIN and caller.scope is not Scope.ADMIN:
            raise ApiProblem("forbidden", "this route needs an admin key")
        return caller

    return Depends(dependency)


READ = require(Scope.READ)
ADMIN = require(Scope.ADMIN)
