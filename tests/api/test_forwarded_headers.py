"""X-Forwarded-For is believed only from configured proxies (issue 17 #13), under real uvicorn."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn

from lnpilot.api.app import create_app, server_options
from lnpilot.settings import load_settings
from lnpilot.simnet.server import BackgroundServer, free_port


@contextmanager
def _served(tmp_path: Path, trusted: list[str]) -> Iterator[str]:
    settings = load_settings(data_dir=tmp_path, api={"rate_limit_per_minute": 3, "trusted_proxies": trusted})
    port = free_port()
    server = BackgroundServer(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, **server_options(settings))
    )
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def _statuses(url: str) -> list[int]:
    with httpx.Client(base_url=url) as client:
        return [
            client.get("/v1/rankings", headers={"X-Forwarded-For": f"198.51.100.{i}"}).status_code
            for i in range(6)
        ]


def test_forwarded_for_from_loopback_is_ignored_by_default(tmp_path: Path) -> None:
    with _served(tmp_path, []) as url:
        # Every request counts against 127.0.0.1 whatever address the header claims.
        assert _statuses(url) == [200, 200, 200, 429, 429, 429]


def test_forwarded_for_from_a_trusted_proxy_is_used(tmp_path: Path) -> None:
    with _served(tmp_path, ["127.0.0.1"]) as url:
        assert _statuses(url) == [200] * 6  # six different clients behind the proxy
