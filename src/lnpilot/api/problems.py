"""RFC 9457 problem details: every error the API returns is ``application/problem+json``.

Each problem has a stable ``type`` URI built from a short code; the codes are the contract
(documented in docs/api.md and in the OpenAPI responses), the titles are for humans.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from lnpilot.errors import InvalidInputError, LnpilotError, NotFoundError
from lnpilot.logs import get_logger, redact_text

PROBLEM_BASE = "https://lnpilot.dev/problems/"
MEDIA_TYPE = "application/problem+json"

# code -> (HTTP status, title)
PROBLEMS: dict[str, tuple[int, str]] = {
    "invalid-request": (422, "The request is not valid"),
    "invalid-input": (422, "The input is not valid"),
    "malformed-pubkey": (422, "Not a node public key"),
    "not-found": (404, "Not found"),
    "node-not-found": (404, "Unknown node"),
    "channel-not-found": (404, "Unknown channel"),
    "unauthenticated": (401, "An API key is required"),
    "invalid-api-key": (401, "The API key is not valid"),
    "forbidden": (403, "The API key's scope does not allow this"),
    "rate-limited": (429, "Too many requests"),
    "method-not-allowed": (405, "Method not allowed"),
    "conflict": (409, "Conflict with the current state"),
    "payload-too-large": (413, "The request body is too large"),
    "backend-unavailable": (503, "The node backend is unavailable"),
    "service-unavailable": (503, "A required service is unavailable"),
    "internal-error": (500, "Internal error"),
}


class Problem(BaseModel):
    """The body of every error response."""

    type: str = Field(examples=[PROBLEM_BASE + "node-not-found"])
    title: str = Field(examples=["Unknown node"])
    status: int = Field(examples=[404])
    detail: str = Field("", examples=["no score for node 02ab..."])
    instance: str = Field("", examples=["/v1/scores/nodes/02ab..."])


class ApiProblem(Exception):
    """Raise from a route to answer with a problem (extra members go into the body)."""

    def __init__(self, code: str, detail: str = "", headers: dict[str, str] | None = None, **extra: Any):
        super().__init__(detail or code)
        if code not in PROBLEMS:
            raise ValueError(f"unknown problem code {code}")
        self.code = code
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra


def problem_response(
    code: str, detail: str = "", instance: str = "", headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    status, title = PROBLEMS[code]
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + code,
        "title": title,
        "status": status,
        "detail": redact_text(detail),
        "instance": instance,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def problem_responses(*codes: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries documenting the problems a route can return."""
    out: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        status, title = PROBLEMS[code]
        entry = out.setdefault(status, {"model": Problem, "content": {MEDIA_TYPE: {"examples": {}}}})
        entry["description"] = (entry.get("description", "") + f" `{code}`: {title}.").strip()
        entry["content"][MEDIA_TYPE]["examples"][code] = {
            "value": {
                "type": PROBLEM_BASE + code,
                "title": title,
                "status": status,
                "detail": "",
                "instance": "",
            }
        }
    return out


_STATUS_CODES = {
    401: "unauthenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "payload-too-large",
    429: "rate-limited",
}
_log = get_logger("lnpilot.api")


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiProblem)
    async def _api_problem(request: Request, exc: ApiProblem) -> JSONResponse:
        return problem_response(exc.code, exc.detail, request.url.path, exc.headers, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": [str(p) for p in err.get("loc", ())], "msg": str(err.get("msg", ""))}
            for err in exc.errors()
        ]
        detail = "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors)
        return problem_response("invalid-request", detail, request.url.path, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(
            exc.status_code, "invalid-request" if exc.status_code < 500 else "internal-error"
        )
        # Keep the exception's headers: a 405 must say which methods are allowed (``Allow``).
        return problem_response(code, str(exc.detail), request.url.path, dict(exc.headers or {}))

    @app.exception_handler(NotFoundError)
    async def _not_found(request: Request, exc: NotFoundError) -> JSONResponse:
        return problem_response("not-found", str(exc), request.url.path)

    @app.exception_handler(InvalidInputError)
    async def _invalid(request: Request, exc: InvalidInputError) -> JSONResponse:
        return problem_response("invalid-input", str(exc), request.url.path)

    @app.exception_handler(LnpilotError)
    async def _lnpilot(request: Request, exc: LnpilotError) -> JSONResponse:
        code = exc.code if exc.code in PROBLEMS else "service-unavailable"
        return problem_response(code, str(exc), request.url.path)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        _log.error("unhandled error", path=request.url.path, error=type(exc).__name__)
        return problem_response("internal-error", "see the server log", request.url.path)
