"""Fee estimates from a local server speaking mempool.space's /api/v1/fees/recommended format."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from lnpilot.backends.mempool import FeeEstimateUnavailable, fetch_recommended, parse

GOOD = {"fastestFee": 21, "halfHourFee": 15, "hourFee": 9, "economyFee": 4, "minimumFee": 1}


class _Mempool(BaseHTTPRequestHandler):
    answer: tuple[int, bytes] = (200, json.dumps(GOOD).encode())

    def do_GET(self) -> None:
        status, body = self.answer if self.path == "/api/v1/fees/recommended" else (404, b"not found")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def mempool() -> Iterator[tuple[str, type[_Mempool]]]:
    handler = type("Handler", (_Mempool,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()
        server.server_close()


async def test_recommended_fees_are_read(mempool: tuple[str, type[_Mempool]]) -> None:
    url, _ = mempool
    estimates = await fetch_recommended(url + "/")
    assert (estimates.fastest, estimates.half_hour, estimates.hour, estimates.economy) == (21, 15, 9, 4)
    assert estimates.cost_sat("hour", 200) == 1_800


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (500, b"{}", "HTTP 500"),
        (200, b"<html>", "not JSON"),
        (200, b"[1, 2]", "not a JSON object"),
        (200, json.dumps({**GOOD, "hourFee": -3}).encode(), "hourFee"),
        (200, json.dumps({**GOOD, "economyFee": "4"}).encode(), "economyFee"),
        (200, json.dumps({k: v for k, v in GOOD.items() if k != "minimumFee"}).encode(), "minimumFee"),
    ],
)
async def test_bad_answers_are_one_clear_error(
    mempool: tuple[str, type[_Mempool]], status: int, body: bytes, message: str
) -> None:
    url, handler = mempool
    handler.answer = (status, body)
    with pytest.raises(FeeEstimateUnavailable, match=message):
        await fetch_recommended(url)


async def test_unreachable_api_is_one_clear_error() -> None:
    with pytest.raises(FeeEstimateUnavailable, match="unreachable"):
        await fetch_recommended("http://127.0.0.1:9", timeout_s=2)


def test_booleans_are_not_rates() -> None:
    with pytest.raises(FeeEstimateUnavailable):
        parse({**GOOD, "fastestFee": True})
