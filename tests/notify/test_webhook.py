from __future__ import annotations

import hashlib
import hmac
import json
import socket
from datetime import UTC, datetime

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lnpilot.backends.base import BackendUnavailable
from lnpilot.notify import NotificationError, WebhookChannel, execution_failure, sign, verify_signature
from lnpilot.notify.base import real_sleep, retry_after_s
from tests.notify.wire_servers import Scripted, Sleeps, WebhookReceiver

SECRET = "whsec-0f1e2d3c4b5a69788796a5b4c3d2e1f0"
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
EVENT = execution_failure(
    "increase_fees", "850000x1x0", BackendUnavailable("node timed out"), NOW, tx_id="tx-9"
)


def _channel(url: str, sleeps: Sleeps, **kw: object) -> WebhookChannel:
    return WebhookChannel(url, SECRET, sleep=sleeps, clock=lambda: 1_764_000_000.5, **kw)  # type: ignore[arg-type]


async def test_the_receiver_verifies_the_signature_and_reads_the_event() -> None:
    with WebhookReceiver(SECRET) as receiver:
        await _channel(receiver.url + "/hooks/lnpilot", Sleeps()).send(EVENT)
    (req,) = receiver.received
    assert req.path == "/hooks/lnpilot" and req.headers["x-lnpilot-event"] == "execution_failure"
    assert req.headers["x-lnpilot-timestamp"] == "1764000000"
    (payload,) = receiver.verified
    assert payload == {
        "event": "execution_failure",
        "severity": "warning",
        "title": "increase_fees failed on 850000x1x0",
        "body": "backend-unavailable: node timed out",
        "key": "execution_failure:increase_fees:backend-unavailable",
        "occurred_at": "2026-11-24T12:00:00+00:00",
        "fields": {
            "decision": "increase_fees",
            "channel": "850000x1x0",
            "error": "backend-unavailable",
            "transaction": "tx-9",
        },
        "timestamp": 1764000000,
    }


async def test_a_wrong_secret_is_refused_by_the_receiver_and_not_retried() -> None:
    sleeps = Sleeps()
    with WebhookReceiver("another-secret") as receiver, pytest.raises(NotificationError, match="HTTP 401"):
        await _channel(receiver.url, sleeps).send(EVENT)
    assert receiver.verified == [] and len(receiver.received) == 1 and sleeps.calls == []


async def test_5xx_and_429_are_retried_with_exponential_backoff_and_retry_after() -> None:
    sleeps = Sleeps()
    with WebhookReceiver(SECRET) as receiver:
        receiver.script.extend(
            [Scripted(503), Scripted(500), Scripted(429, headers={"Retry-After": "4"}), Scripted(502)]
        )
        await _channel(receiver.url, sleeps, base_delay_s=0.5).send(EVENT)
    assert sleeps.calls == [0.5, 1.0, 4.0, 4.0]
    assert len(receiver.received) == 5 and len(receiver.verified) == 1
    # Every retry carries the same signed body.
    assert len({r.body for r in receiver.received}) == 1


async def test_gives_up_after_max_attempts() -> None:
    sleeps = Sleeps()
    with WebhookReceiver(SECRET) as receiver:
        receiver.script.extend([Scripted(500)] * 3)
        with pytest.raises(NotificationError, match="HTTP 500"):
            await _channel(receiver.url, sleeps, max_attempts=3).send(EVENT)
    assert sleeps.calls == [1.0, 2.0] and len(receiver.received) == 3


async def test_unreachable_receiver_fails_without_naming_the_url() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/api/webhooks/123/tok-abcdef"
    sleeps = Sleeps()
    async with httpx.AsyncClient(timeout=2) as client:
        channel = WebhookChannel(url, SECRET, client=client, sleep=sleeps, max_attempts=2)
        with pytest.raises(NotificationError, match="cannot reach the receiver") as info:
            await channel.send(EVENT)
        await channel.aclose()
        assert not client.is_closed  # a shared client belongs to its owner
    assert "tok-abcdef" not in str(info.value) and "tok-abcdef" not in repr(channel)
    assert sleeps.calls == [1.0]


@given(body=st.binary(max_size=512), secret=st.text(min_size=1, max_size=64))
def test_signature_matches_an_independent_hmac_and_rejects_tampering(body: bytes, secret: str) -> None:
    header = sign(secret, body)
    assert header == "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert verify_signature(secret, body, header)
    assert not verify_signature(secret, body + b"x", header)
    assert not verify_signature(secret + "x", body, header)
    assert not verify_signature(secret, body, None)


def test_encoded_body_is_compact_sorted_json() -> None:
    body, headers = WebhookChannel("http://127.0.0.1:1/x", SECRET, clock=lambda: 5.0).encode(EVENT)
    data = json.loads(body)
    assert data["timestamp"] == 5
    assert body == json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
    assert headers["X-Lnpilot-Signature"] == sign(SECRET, body)
    with pytest.raises(ValueError):
        WebhookChannel("http://127.0.0.1:1/x", "")


async def test_retry_after_header_forms_and_the_real_sleep() -> None:
    assert retry_after_s("12") == 12.0 and retry_after_s(" 0.5 ") == 0.5
    assert retry_after_s("Wed, 21 Oct 2026 07:28:00 GMT") is None
    assert retry_after_s("-3") is None and retry_after_s(None) is None
    assert await real_sleep(0) is None
