"""What the HTTP backends share: pinned TLS, timeouts, retries for transient faults, error mapping.

Retries use exponential backoff with full jitter and apply only to calls the caller marks
idempotent; a payment is never retried, because a retry of a payment whose first attempt
reached the node could pay twice.
"""

from __future__ import annotations

import asyncio
import random
import ssl
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx

from lnpilot.backends.base import (
    AuthenticationError,
    BackendError,
    BackendNotFound,
    BackendUnavailable,
    CapabilityMissing,
    PermissionDenied,
)
from lnpilot.errors import ConfigError
from lnpilot.logs import get_logger, redact_text

log = get_logger("lnpilot.backends.http")
T = TypeVar("T")

TRANSIENT_STATUS = frozenset({429, 500, 502, 503, 504})


class TlsVerificationFailed(AuthenticationError):
    """The server's certificate is not the pinned one: never retried, never bypassed."""

    code = "backend-tls"


class Secret:
    """A credential that never shows itself in a repr, str or log line."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """``attempts`` tries in total; the wait before try n+1 is uniform in [0, base * 2**n] (capped)."""

    attempts: int = 4
    base_delay_s: float = 0.25
    max_delay_s: float = 8.0

    def delay_s(self, attempt: int, rng: random.Random) -> float:
        return rng.uniform(0.0, min(self.max_delay_s, self.base_delay_s * (2**attempt)))


DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=30.0, write=10.0, pool=5.0)


def pinned_tls_context(cert_path: Path | None) -> ssl.SSLContext:
    """Trust exactly ``cert_path`` (LND's self-signed cert) or, without one, the system store."""
    if cert_path is None:
        return ssl.create_default_context()
    try:
        return ssl.create_default_context(cafile=str(cert_path))
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"TLS certificate {cert_path} cannot be loaded: {exc.__class__.__name__}") from None


_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def is_loopback_host(host: str) -> bool:
    """127.0.0.0/8, ::1 or localhost: traffic that never leaves this machine."""
    import ipaddress

    host = host.strip("[]").lower()
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_transport(url: str, what: str, *, allow_insecure_http: bool = False) -> None:
    """Refuse to send credentials over plain HTTP to anything but loopback, unless opted in.

    A macaroon or API key sent over ``http://`` is readable by anyone on the path, and every retry
    sends it again; the opt-in (``LNPILOT_ALLOW_INSECURE_HTTP=true``) is logged each time it is used.
    """
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "https":
        return
    if scheme != "http":
        raise ConfigError(f"{what}: unsupported URL scheme {scheme or '(none)'!r} (use https://)")
    host = parts.hostname or ""
    if is_loopback_host(host):
        return
    if not allow_insecure_http:
        raise ConfigError(
            f"{what}: refusing to send credentials over plain http:// to {host} "
            "(use https://, or set LNPILOT_ALLOW_INSECURE_HTTP=true to accept the risk)"
        )
    log.warning("insecure_http_opt_in", target=what, host=host)


def is_tls_failure(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError | ssl.SSLError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def error_message(response: httpx.Response) -> str:
    """The node's own words (LND ``message``/``error``, FastAPI ``detail``), redacted and bounded."""
    text = ""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, Mapping):
        for key in ("message", "detail", "error"):
            value = body.get(key)
            if isinstance(value, Mapping):
                value = value.get("message")
            if isinstance(value, str) and value:
                text = value
                break
    if not text:
        text = response.text[:200]
    return redact_text(text.strip())[:300]


_AUTH_MARKERS = (
    "verification failed",
    "invalid macaroon",
    "cannot get macaroon",
    "expected 1 macaroon",
    "macaroon",
    "unauthorized",
    "not authenticated",
    "invalid token",
    "missing user id",
)
_NOT_FOUND_MARKERS = ("not found", "unable to find", "does not exist")


def classify(response: httpx.Response, what: str) -> BackendError:
    """Turn a non-2xx answer into the typed error callers handle.

    LND reports most failures as gRPC ``Unknown`` (HTTP 500) and only the message tells a bad
    macaroon or an unknown edge from a crash, so the message is read before the status.
    """
    status = response.status_code
    message = error_message(response)
    lowered = message.lower()
    prefix = f"{what}: HTTP {status}"
    if status == 403 or "permission denied" in lowered:
        return PermissionDenied(f"{prefix}: permission denied ({message})")
    if status == 401 or any(marker in lowered for marker in _AUTH_MARKERS):
        return AuthenticationError(f"{prefix}: authentication failed ({message})")
    if status == 404 or any(marker in lowered for marker in _NOT_FOUND_MARKERS):
        return BackendNotFound(f"{prefix}: not found ({message})")
    if status == 501:
        return CapabilityMissing(f"{prefix}: not implemented by this node ({message})")
    if status in TRANSIENT_STATUS:
        return BackendUnavailable(f"{prefix}: {message}")
    return BackendError(f"{prefix}: {message}")


async def send_with_retries(
    call: Callable[[], Awaitable[httpx.Response]],
    what: str,
    *,
    idempotent: bool,
    retry: RetryPolicy,
    rng: random.Random,
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
) -> httpx.Response:
    """Run ``call`` until it answers 2xx; retry transient faults of idempotent calls only."""
    attempts = retry.attempts if idempotent else 1
    last: BackendError | None = None
    for attempt in range(attempts):
        if attempt:
            delay = retry.delay_s(attempt - 1, rng)
            log.info(
                "backend_retry", call=what, attempt=attempt + 1, delay_s=round(delay, 3), cause=str(last)
            )
            await sleep(delay)
        started = time.perf_counter()
        try:
            response = await call()
        except httpx.TimeoutException as exc:
            last = BackendUnavailable(f"{what}: timed out ({exc.__class__.__name__})")
            continue
        except httpx.TransportError as exc:
            if is_tls_failure(exc):
                raise TlsVerificationFailed(
                    f"{what}: the server's TLS certificate is not the pinned one (check LND_TLS_CERT_PATH)"
                ) from None
            last = BackendUnavailable(f"{what}: connection failed ({exc.__class__.__name__})")
            continue
        log.debug(
            "backend_call",
            call=what,
            status=response.status_code,
            elapsed_ms=round((time.perf_counter() - started) * 1000, 1),
        )
        if response.is_success:
            return response
        error = classify(response, what)
        if not isinstance(error, BackendUnavailable):
            raise error
        last = error
    assert last is not None
    if attempts > 1:
        raise BackendUnavailable(f"{last} (gave up after {attempts} attempts)")
    raise last
