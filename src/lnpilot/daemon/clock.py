"""Where the daemon's "now" comes from and how it waits between cycles.

Production runs on wall time. The demo and the tests run on simnet's simulated clock: waiting
means asking simnet to advance its clock (which runs the traffic of that span), so two weeks of
node life pass in seconds, with the same loop code.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from pathlib import Path
from typing import Protocol

import httpx

from lnpilot.execution.node_clock import NodeClockError as ClockError

__all__ = ["Clock", "ClockError", "SimnetClock", "WallClock"]


class Clock(Protocol):
    def now(self) -> int:
        """The last known time (Unix seconds); cheap and synchronous (the executor's clock)."""
        ...

    async def refresh(self) -> int:
        """Read the time afresh; the start of every cycle calls this."""
        ...

    async def wait(self, seconds: float, stop: asyncio.Event) -> None:
        """Let ``seconds`` pass, or less if ``stop`` is set."""
        ...

    async def aclose(self) -> None: ...


class WallClock:
    def now(self) -> int:
        return int(time.time())

    async def refresh(self) -> int:
        return self.now()

    async def wait(self, seconds: float, stop: asyncio.Event) -> None:
        if seconds <= 0 or stop.is_set():
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=seconds)

    async def aclose(self) -> None:
        return None


class SimnetClock:
    """simnet's clock through its control endpoints (``/simnet/clock``), like any client."""

    def __init__(self, url: str, macaroon_hex: str, tls_cert_path: Path | None, timeout_s: float = 600.0):
        verify: ssl.SSLContext | bool = True
        if tls_cert_path is not None:
            verify = ssl.create_default_context(cafile=str(tls_cert_path))
        self._url = url.rstrip("/")
        self._client = httpx.AsyncClient(
            verify=verify, headers={"Grpc-Metadata-macaroon": macaroon_hex}, timeout=timeout_s
        )
        self._now: int | None = None

    def __repr__(self) -> str:  # the client holds the macaroon: keep it out of reprs
        return f"SimnetClock(url={self._url!r}, now={self._now})"

    def now(self) -> int:
        if self._now is None:
            raise ClockError("the simnet clock has not been read yet")
        return self._now

    def now_or(self, fallback: float) -> float:
        """The simulated time when known, else ``fallback`` (for metrics scraped before the first read)."""
        return float(self._now) if self._now is not None else fallback

    async def _call(self, method: str, path: str, body: dict[str, float] | None = None) -> dict[str, int]:
        try:
            answer = await self._client.request(method, f"{self._url}{path}", json=body)
        except httpx.HTTPError as exc:
            raise ClockError(f"simnet clock unreachable at {self._url}: {type(exc).__name__}") from None
        if answer.status_code != 200:
            raise ClockError(f"simnet clock {path} answered HTTP {answer.status_code}")
        data: dict[str, int] = answer.json()
        self._now = int(data["now"])
        return data

    async def refresh(self) -> int:
        await self._call("GET", "/simnet/clock")
        return self.now()

    async def wait(self, seconds: float, stop: asyncio.Event) -> None:
        if seconds <= 0 or stop.is_set():
            return
        # Runs the simulated traffic of the span; a stop signal waits for it (seconds of wall time).
        await self._call("POST", "/simnet/clock/advance", {"seconds": seconds})

    async def aclose(self) -> None:
        await self._client.aclose()
