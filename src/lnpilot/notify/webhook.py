"""Signed JSON webhooks.

``X-Lnpilot-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed with webhook_secret>``.
The body carries the same ``timestamp`` as the ``X-Lnpilot-Timestamp`` header, so the timestamp is
covered by the signature and a receiver can refuse replays older than it tolerates.
Retries with exponential backoff on connect errors, timeouts, 429 and 5xx; other 4xx are final.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable

import httpx

from lnpilot import __version__
from lnpilot.logs import get_logger, redact_text, register_secret
from lnpilot.notify.base import NotificationError, Sleep, backoff_delays, real_sleep, retry_after_s
from lnpilot.notify.events import Event
from lnpilot.notify.format import json_payload

SIGNATURE_HEADER = "X-Lnpilot-Signature"
TIMESTAMP_HEADER = "X-Lnpilot-Timestamp"
EVENT_HEADER = "X-Lnpilot-Event"
log = get_logger("lnpilot.notify.webhook")


def sign(secret: str | bytes, body: bytes) -> str:
    key = secret.encode() if isinstance(secret, str) else secret
    return "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()


def verify_signature(secret: str | bytes, body: bytes, header: str | None) -> bool:
    """For receivers: constant-time check of a signature header against the raw body."""
    return header is not None and hmac.compare_digest(sign(secret, body), header)


class WebhookChannel:
    name = "webhook"

    def __init__(
        self,
        url: str,
        secret: str,
        *,
        client: httpx.AsyncClient | None = None,
        max_attempts: int = 5,
        base_delay_s: float = 1.0,
        max_delay_s: float = 60.0,
        timeout_s: float = 10.0,
        sleep: Sleep = real_sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not url or not secret:
            raise ValueError("a webhook needs a URL and a secret")
        # Hosted webhook URLs (Slack, Discord, ...) embed their credential in the path.
        register_secret(url)
        register_secret(secret)
        self._url = url
        self._secret = secret.encode()
        self._client = client or httpx.AsyncClient(timeout=timeout_s)
        self._owns_client = client is None
        self.max_attempts = max(1, max_attempts)
        self._delays = backoff_delays(self.max_attempts, base_delay_s, max_delay_s)
        self.max_delay_s = max_delay_s
        self._sleep = sleep
        self._clock = clock

    def __repr__(self) -> str:
        return "WebhookChannel(url=[REDACTED])"

    def encode(self, event: Event) -> tuple[bytes, dict[str, str]]:
        """The exact body and headers one delivery sends."""
        timestamp = int(self._clock())
        body = json.dumps(
            {**json_payload(event), "timestamp": timestamp}, separators=(",", ":"), sort_keys=True
        ).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": f"lnpilot/{__version__}",
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(self._secret, body),
            EVENT_HEADER: str(event.kind),
        }
        return body, headers

    async def send(self, event: Event) -> None:
        body, headers = self.encode(event)
        problem = "no attempt made"
        for attempt in range(self.max_attempts):
            retryable = True
            server_wait: float | None = None
            try:
                response = await self._client.post(self._url, content=body, headers=headers)
            except httpx.TransportError as exc:
                problem = f"cannot reach the receiver ({type(exc).__name__})"
            else:
                if 200 <= response.status_code < 300:
                    return
                problem = f"receiver answered HTTP {response.status_code}"
                retryable = response.status_code == 429 or response.status_code >= 500
                server_wait = retry_after_s(response.headers.get("Retry-After"))
            if not retryable or attempt + 1 >= self.max_attempts:
                break
            wait_s = self._delays[attempt] if server_wait is None else min(server_wait, self.max_delay_s)
            log.info("webhook retry", attempt=attempt + 1, wait_s=wait_s, problem=problem)
            await self._sleep(wait_s)
        raise NotificationError(redact_text(f"webhook: {problem}"))

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()
