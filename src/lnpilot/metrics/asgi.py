"""ASGI middleware recording API latency and status by route *template*.

Labelling by the raw path would mint one time series per node id ever queried; the route template
(``/v1/scores/node/{pubkey}``) keeps the label set as small as the route table.
"""

from __future__ import annotations

import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lnpilot.metrics.registry import Metrics

UNMATCHED_ROUTE = "<unmatched>"


def route_template(scope: Scope) -> str:
    """The template of the route FastAPI matched (it records the route in the scope), with the
    prefix of any ``Mount`` the request went through; ``<unmatched>`` for 404s and plain apps."""
    route: Any = scope.get("route")
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    if not isinstance(path, str) or not path:
        return UNMATCHED_ROUTE
    return _mount_prefix(scope) + path


def _mount_prefix(scope: Scope) -> str:
    # A Mount appends its prefix to ``root_path`` and keeps the app's own root in ``app_root_path``
    # (absent when no Mount was crossed): the difference is the mount prefix.
    if "app_root_path" not in scope:
        return ""
    root = str(scope.get("root_path", "") or "")
    app_root = str(scope.get("app_root_path", "") or "")
    return root[len(app_root) :] if root.startswith(app_root) else ""


class PrometheusMiddleware:
    """Mount with ``app.add_middleware(PrometheusMiddleware, metrics=...)``."""

    def __init__(self, app: ASGIApp, metrics: Metrics, skip_paths: frozenset[str] = frozenset({"/metrics"})):
        self.app = app
        self.metrics = metrics
        self.skip_paths = skip_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in self.skip_paths:
            await self.app(scope, receive, send)
            return
        status = 500  # an exception before the response started is a server error
        started = time.perf_counter()

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            self.metrics.observe_api_request(
                route_template(scope), scope.get("method", ""), status, time.perf_counter() - started
            )
