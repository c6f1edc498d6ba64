"""Correlation ids on every log line: a cycle id in the daemon, a request id in the API.

Both are bound with structlog's contextvars, so every logger in the same task (structlog or stdlib,
through ``lnpilot.logs.configure_logging``'s shared chain) carries them without passing them along.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pydantic import BaseModel, SecretStr
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from structlog.contextvars import bound_contextvars

from lnpilot.logs import register_secret

REQUEST_ID_HEADER = "X-Request-ID"
# A caller's id is echoed and logged, so accept only short, plain tokens: anything else is replaced
# (a header is attacker-controlled and must not inject text into log lines).
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def new_id() -> str:
    return uuid.uuid4().hex


@contextmanager
def cycle_context(cycle_id: str | None = None, **extra: Any) -> Iterator[str]:
    """Bind ``cycle_id`` (a fresh one unless given) and ``extra`` to every log line in the block."""
    cid = cycle_id or new_id()
    with bound_contextvars(cycle_id=cid, **extra):
        yield cid


@contextmanager
def request_context(request_id: str | None = None) -> Iterator[str]:
    rid = request_id if request_id and _SAFE_ID.match(request_id) else new_id()
    with bound_contextvars(request_id=rid):
        yield rid


class RequestIdMiddleware:
    """Bind a request id for the request's duration and echo it in ``X-Request-ID``.

    An incoming ``X-Request-ID`` that is a plain token is kept, so ids follow a request across a
    proxy; otherwise a new one is made.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, REQUEST_ID_HEADER.lower().encode())
        with request_context(incoming) as rid:
            scope.setdefault("state", {})["request_id"] = rid

            async def send_with_id(message: Message) -> None:
                if message["type"] == "http.response.start":
                    headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"]
                    headers.append((b"x-request-id", rid.encode()))
                    message = {**message, "headers": headers}
                await send(message)

            await self.app(scope, receive, send_with_id)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def register_settings_secrets(settings: BaseModel) -> int:
    """Register every ``SecretStr`` in ``settings`` (nested sections included) with the log redactor,
    so a secret is redacted by value even when logged under an innocent key or inside free text.
    Returns how many were registered; call once at start-up, after ``configure_logging``."""
    count = 0
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            register_secret(value.get_secret_value())
            count += 1
        elif isinstance(value, BaseModel):
            count += register_settings_secrets(value)
    return count
