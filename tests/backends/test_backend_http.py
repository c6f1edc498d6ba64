"""Error mapping and retry timing of the shared HTTP layer (no network: answers built in memory)."""

from __future__ import annotations

import random

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lnpilot.backends.base import (
    AuthenticationError,
    BackendError,
    BackendNotFound,
    BackendUnavailable,
    CapabilityMissing,
    PermissionDenied,
)
from lnpilot.backends.http import RetryPolicy, Secret, classify, error_message, send_with_retries


def answer(status: int, body: object | None = None, text: str = "") -> httpx.Response:
    if body is not None:
        return httpx.Response(status, json=body)
    return httpx.Response(status, text=text)


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (500, {"code": 2, "message": "permission denied"}, PermissionDenied),
        (403, {"detail": "Forbidden"}, PermissionDenied),
        (500, {"code": 2, "message": "verification failed: signature mismatch"}, AuthenticationError),
        (401, {"detail": "Invalid credentials."}, AuthenticationError),
        (500, {"code": 2, "message": "edge not found"}, BackendNotFound),
        (404, {"detail": "Nope"}, BackendNotFound),
        (501, {"detail": "Active backend does not implement Node API"}, CapabilityMissing),
        (503, {"code": 14, "message": "unavailable"}, BackendUnavailable),
        (429, None, BackendUnavailable),
        (500, {"code": 2, "message": "boom"}, BackendUnavailable),
        (400, {"code": 3, "message": "bad input"}, BackendError),
    ],
)
def test_classify(status: int, body: object, expected: type[BackendError]) -> None:
    error = classify(answer(status, body), "GET /x")
    assert type(error) is expected and f"HTTP {status}" in str(error)


def test_error_message_sources() -> None:
    assert error_message(answer(500, {"error": {"message": "nested"}})) == "nested"
    assert error_message(answer(502, text="<html>bad gateway</html>")) == "<html>bad gateway</html>"
    secret = "0201" + "ab" * 60
    assert secret not in error_message(answer(500, {"message": f"bad macaroon {secret}"}))


def test_secret_never_shows() -> None:
    secret = Secret("hunter2-hunter2")
    assert (
        "hunter2" not in repr(secret)
        and "hunter2" not in str(secret)
        and secret.reveal() == "hunter2-hunter2"
    )


@given(st.integers(min_value=0, max_value=30), st.integers(min_value=0, max_value=2**32))
def test_backoff_is_bounded_and_grows(attempt: int, seed: int) -> None:
    policy = RetryPolicy(attempts=5, base_delay_s=0.25, max_delay_s=8.0)
    delay = policy.delay_s(attempt, random.Random(seed))
    assert 0.0 <= delay <= min(8.0, 0.25 * 2**attempt)


async def test_non_idempotent_calls_are_tried_once() -> None:
    calls = 0
    slept: list[float] = []

    async def call() -> httpx.Response:
        nonlocal calls
        calls += 1
        return answer(503, {"message": "busy"})

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    with pytest.raises(BackendUnavailable):
        await send_with_retries(
            call, "POST /pay", idempotent=False, retry=RetryPolicy(), rng=random.Random(1), sleep=sleep
        )
    assert calls == 1 and slept == []
    with pytest.raises(BackendUnavailable, match="gave up after 4"):
        await send_with_retries(
            call, "GET /x", idempotent=True, retry=RetryPolicy(), rng=random.Random(1), sleep=sleep
        )
    assert calls == 5 and len(slept) == 3
    assert all(0 <= s <= 0.25 * 2**i for i, s in enumerate(slept))
