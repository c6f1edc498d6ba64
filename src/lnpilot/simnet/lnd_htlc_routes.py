"""``GET /v2/router/htlcevents``: LND's HTLC event stream over its REST gateway (newline-delimited).

A subscriber gets ``subscribed_event`` first, then every event recorded after it subscribed, each
line ``{"result": HtlcEvent}``; the stream ends when the client goes away (or the server stops).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from lnpilot.simnet.htlc_events import HtlcEventLog, subscribed_wire, to_wire

POLL_S = 0.05  # how often the stream looks for new events (the log is written by the clock thread)


def build_htlc_router(log: HtlcEventLog, require: Callable[[Request, str], None]) -> APIRouter:
    router = APIRouter()

    @router.get("/v2/router/htlcevents")
    async def htlc_events(request: Request) -> StreamingResponse:
        require(request, "offchain:read")
        start = log.last_seq

        async def lines() -> AsyncIterator[bytes]:
            yield (json.dumps({"result": subscribed_wire()}) + "\n").encode()
            seq = start
            while not await request.is_disconnected():
                events = log.since(seq)
                if not events:
                    await asyncio.sleep(POLL_S)
                    continue
                seq = events[-1].seq
                yield "".join(json.dumps({"result": to_wire(e)}) + "\n" for e in events).encode()

        return StreamingResponse(lines(), media_type="application/json")

    return router
