"""Serving the registry: bytes for the API's ``/metrics`` route and a scrape port for the daemon."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from wsgiref.simple_server import WSGIServer

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest, start_http_server
from prometheus_client.exposition import choose_encoder

from lnpilot.metrics.registry import Metrics, default_metrics


def render(metrics: Metrics, accept: str | None = None) -> tuple[bytes, str]:
    """The exposition body and its content type; OpenMetrics when the scraper's Accept asks for it."""
    if not accept:
        return generate_latest(metrics.registry), CONTENT_TYPE_LATEST
    encoder, content_type = choose_encoder(accept)
    return encoder(metrics.registry), content_type


@dataclass
class MetricsServer:
    """A running scrape endpoint; ``port`` is the bound one (useful when 0 was asked for)."""

    host: str
    port: int
    _server: WSGIServer
    _thread: threading.Thread

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def start_metrics_server(port: int, host: str = "127.0.0.1", metrics: Metrics | None = None) -> MetricsServer:
    """Serve ``metrics`` (the process-wide instance by default) on ``host:port`` from a daemon thread;
    loopback unless told otherwise. Port 0 picks a free port (see ``MetricsServer.port``)."""
    registry = (metrics if metrics is not None else default_metrics()).registry
    server, thread = start_http_server(port, addr=host, registry=registry)
    return MetricsServer(host=host, port=int(server.server_port), _server=server, _thread=thread)
