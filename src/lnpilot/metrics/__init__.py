"""Prometheus metrics: one registry, a typed facade, ``/metrics`` rendering and a scrape port.

Which call site calls which facade method is listed in ``docs/observability.md``.
"""

from lnpilot.metrics.asgi import PrometheusMiddleware, route_template
from lnpilot.metrics.exposition import MetricsServer, render, start_metrics_server
from lnpilot.metrics.registry import NAMESPACE, Metrics, default_metrics

__all__ = [
    "NAMESPACE",
    "Metrics",
    "MetricsServer",
    "PrometheusMiddleware",
    "default_metrics",
    "render",
    "route_template",
    "start_metrics_server",
]
