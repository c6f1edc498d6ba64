from __future__ import annotations

import httpx

from lnpilot.metrics import Metrics, default_metrics, start_metrics_server


def test_scrape_port_serves_the_registry_on_loopback() -> None:
    m = Metrics()
    m.set_daemon_up(True)
    m.record_decision("rebalance", "aggressive", "pilot")
    server = start_metrics_server(0, metrics=m)
    try:
        assert server.host == "127.0.0.1" and server.port > 0
        response = httpx.get(f"http://127.0.0.1:{server.port}/metrics", timeout=5)
        assert response.status_code == 200
        assert "lnpilot_daemon_up 1.0" in response.text
        assert (
            'lnpilot_decisions_total{mode="pilot",profile="aggressive",type="rebalance"} 1.0' in response.text
        )
    finally:
        server.close()


def test_without_an_instance_the_process_wide_metrics_are_served() -> None:
    server = start_metrics_server(0)
    try:
        text = httpx.get(f"http://127.0.0.1:{server.port}/metrics", timeout=5).text
        assert "# TYPE lnpilot_daemon_up gauge" in text
        families = {f.name for f in default_metrics().registry.collect()}
        assert all(f"# HELP {name}" in text for name in families) and len(families) == 21
    finally:
        server.close()
