"""LND's HTLC event stream (``GET /v2/router/htlcevents``) and a subscriber that stays connected.

The stream is newline-delimited ``{"result": HtlcEvent}`` (or ``{"error": Status}``) over LND's
REST gateway. ``HtlcSubscriber`` reconnects with capped exponential backoff and tells its sink when
a subscription window opens and closes, so the time it was away is a recorded gap, never a stretch
of "no failures". Events are never logged with their identifiers at INFO: a settle carries the
preimage, and ids tie an HTLC to a payment.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any, Protocol

import httpx

from lnpilot.backends import lnd_wire as wire
from lnpilot.backends.base import BackendError, BackendUnavailable
from lnpilot.backends.http import classify
from lnpilot.domain.htlc import HtlcEvent
from lnpilot.logs import get_logger

log = get_logger(__name__)
PATH = "/v2/router/htlcevents"
_KINDS = {
    "forward_event": "forward",
    "forward_fail_event": "forward_fail",
    "settle_event": "settle",
    "link_fail_event": "link_fail",
    "final_htlc_event": "final",
    "subscribed_event": "subscribed",
}


def parse_htlc_event(data: Any) -> HtlcEvent:
    """One ``routerrpcHtlcEvent`` (LND REST JSON) as a domain value."""
    obj = wire.as_obj({"e": data}, "e")
    if obj is None:
        raise wire.MalformedResponse("HTLC event: expected a JSON object")
    kind = next((k for key, k in _KINDS.items() if isinstance(obj.get(key), dict)), "unknown")
    detail = wire.as_obj(obj, "forward_event") or wire.as_obj(obj, "link_fail_event") or {}
    info = wire.as_obj(detail, "info")
    link = wire.as_obj(obj, "link_fail_event") or {}
    final = wire.as_obj(obj, "final_htlc_event")
    return HtlcEvent(
        timestamp_ns=wire.as_int(obj, "timestamp_ns"),
        kind=kind,
        event_type=wire.as_str(obj, "event_type") or "UNKNOWN",
        incoming_chan_id=wire.as_int(obj, "incoming_channel_id"),
        outgoing_chan_id=wire.as_int(obj, "outgoing_channel_id"),
        incoming_htlc_id=wire.as_int(obj, "incoming_htlc_id"),
        outgoing_htlc_id=wire.as_int(obj, "outgoing_htlc_id"),
        incoming_amt_msat=None if info is None else wire.as_int(info, "incoming_amt_msat"),
        outgoing_amt_msat=None if info is None else wire.as_int(info, "outgoing_amt_msat"),
        wire_failure=(wire.as_str(link, "wire_failure") or "RESERVED") if kind == "link_fail" else None,
        failure_detail=(wire.as_str(link, "failure_detail") or "UNKNOWN") if kind == "link_fail" else None,
        failure_string=wire.as_str(link, "failure_string") if kind == "link_fail" else None,
        settled=bool(final.get("settled")) if final is not None else None,
    )


async def stream_htlc_events(client: httpx.AsyncClient) -> AsyncIterator[HtlcEvent]:
    """Every event of one subscription until the stream ends (errors raise typed BackendErrors)."""
    timeout = httpx.Timeout(10.0, read=None, write=10.0, pool=5.0)
    try:
        async with client.stream("GET", PATH, timeout=timeout) as response:
            if not response.is_success:
                await response.aread()
                raise classify(response, f"GET {PATH}")
            async for line in response.aiter_lines():
                if not line.strip():
                    continue
                data = wire.load_json(line)
                error = wire.as_obj(data, "error")
                if error is not None:
                    raise BackendUnavailable(f"GET {PATH}: stream error ({wire.as_str(error, 'message')})")
                yield parse_htlc_event(wire.as_obj(data, "result"))
    except (httpx.TimeoutException, httpx.TransportError) as exc:
        raise BackendUnavailable(f"GET {PATH}: stream broke ({exc.__class__.__name__})") from None


class HtlcSink(Protocol):
    async def opened(self, at_s: int) -> None: ...

    async def events(self, events: list[HtlcEvent]) -> None: ...

    async def closed(self, at_s: int, reason: str) -> None: ...


class HtlcSubscriber:
    """Keep one subscription open; on a break record the window's end, back off, reconnect."""

    def __init__(
        self,
        connect: Callable[[], AsyncIterator[HtlcEvent]],
        sink: HtlcSink,
        *,
        clock: Callable[[], float] = time.time,
        backoff_initial_s: float = 1.0,
        backoff_max_s: float = 60.0,
        rng: random.Random | None = None,
    ) -> None:
        self._connect = connect
        self._sink = sink
        self._clock = clock
        self.backoff_initial_s = backoff_initial_s
        self.backoff_max_s = backoff_max_s
        self._rng = rng or random.Random()
        self.connections = 0
        self.events_seen = 0
        self.is_open = False
        self._writes: set[asyncio.Task[None]] = set()

    def delay_s(self, failures: int) -> float:
        """Capped exponential backoff with jitter in [50 %, 100 %] of the step."""
        step = min(self.backoff_max_s, self.backoff_initial_s * 2 ** max(0, failures - 1))
        return float(step * (0.5 + 0.5 * self._rng.random()))

    async def _consume(self) -> str:
        """Read one subscription until it ends; returns why it ended."""
        try:
            async for event in self._connect():
                if not self.is_open:
                    # LND's first message is subscribed_event; a gateway that skips it opens here.
                    await self._sink.opened(int(self._clock()))
                    self.is_open = True
                    self.connections += 1
                    log.info("htlc_subscription_open", connections=self.connections)
                if event.kind == "subscribed":
                    continue
                self.events_seen += 1
                await self._write(self._sink.events([event]))
        except BackendError as exc:
            return str(exc)
        return "stream ended"

    async def _write(self, write: Coroutine[Any, Any, None]) -> None:
        """A sink write runs to its end even when the subscription is cancelled meanwhile (a stop,
        a shutdown): cancelled half-way it would cancel the store's own commit or rollback and lose
        the batch. ``_drain`` waits for it."""
        task = asyncio.ensure_future(write)
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)
        await asyncio.shield(task)

    async def _drain(self) -> None:
        for outcome in await asyncio.gather(*self._writes, return_exceptions=True):
            if isinstance(outcome, Exception):  # the subscription is ending: reported, not raised
                log.warning("htlc_store_failed", error=type(outcome).__name__)

    async def run(self, stop: asyncio.Event) -> None:
        """Stay subscribed until ``stop`` is set; every break closes the window and backs off."""
        failures = 0
        while not stop.is_set():
            self.is_open = False
            consume = asyncio.create_task(self._consume())
            stopper = asyncio.create_task(stop.wait())
            try:
                done, _ = await asyncio.wait({consume, stopper}, return_when=asyncio.FIRST_COMPLETED)
            except asyncio.CancelledError:
                await _cancel(consume, stopper)
                await self._drain()
                if self.is_open:
                    await self._sink.closed(int(self._clock()), "stopped")
                raise
            if consume in done:
                stopper.cancel()
                reason = consume.result()
            else:
                await _cancel(consume)
                await self._drain()
                reason = "stopped"
            if self.is_open:
                await self._sink.closed(int(self._clock()), reason)
                failures = 0
            if stop.is_set():
                return
            failures += 1
            delay = self.delay_s(failures)
            log.warning("htlc_subscription_lost", reason=reason, retry_in_s=round(delay, 2))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=delay)


async def _cancel(*tasks: asyncio.Task[Any]) -> None:
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task
