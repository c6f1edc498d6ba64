"""The instruments against real components: a sync cycle on simnet (HTTPS, real macaroons) moves the
metrics a daemon cycle should move, visible on a scrape port, and its log lines carry the cycle id
and no macaroon."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from lnpilot.backends.base import BackendError
from lnpilot.backends.factory import make_backend
from lnpilot.logctx import cycle_context, register_settings_secrets
from lnpilot.logs import configure_logging, get_logger
from lnpilot.metrics import Metrics, start_metrics_server
from lnpilot.simnet.testing import SimnetHandle
from lnpilot.store import Store
from lnpilot.sync import SyncJob
from tests.sync.simnet_client import advance, simnet_settings

DAY_S = 86_400


def _scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def test_a_sync_cycle_on_simnet_moves_the_metrics_and_logs_no_macaroon(
    simnet: SimnetHandle, tmp_path: Path
) -> None:
    stream = io.StringIO()
    configure_logging("json", "DEBUG", stream=stream)
    settings = simnet_settings(simnet, tmp_path / "data")
    register_settings_secrets(settings)
    macaroon_hex = simnet.macaroon_hex("admin")
    now = [float(int(time.time()))]
    metrics = Metrics(clock=lambda: now[0])
    metrics.set_daemon_up(True)
    store = await Store.open_url(f"sqlite+aiosqlite:///{tmp_path / 'store.db'}")
    backend = make_backend(settings)
    server = start_metrics_server(0, metrics=metrics)
    log = get_logger("lnpilot.daemon")
    try:
        job = SyncJob(backend, store, settings.sync)
        assert await advance(simnet, DAY_S) > 0

        with cycle_context() as first_cycle, metrics.cycle_timer():
            with metrics.backend_call("simnet"), metrics.sync_timer():
                report = await job.run(int(now[0]))
            with metrics.backend_call("simnet"):
                fee_report = await backend.fee_report()
            metrics.set_fee_report(fee_report)
            async with store.unit_of_work() as uow:
                stored = await uow.forwards.between(0, 1 << 62)
                snapshot = await uow.graph.latest_snapshot()
            assert metrics.record_forwards(stored) == report.forwards_added > 0
            assert snapshot is not None
            metrics.set_graph_snapshot_time(snapshot.taken_at)
            log.info("cycle done", report=report.as_dict(), headers={"Grpc-Metadata-macaroon": macaroon_hex})

        now[0] += 600
        simnet.faults.configure({"http_5xx": 1000})
        with (
            cycle_context() as second_cycle,
            pytest.raises(BackendError),
            metrics.cycle_timer(),
            metrics.backend_call("simnet"),
            metrics.sync_timer(),
        ):
            await job.run(int(now[0]))

        s = _scrape(server.port)
    finally:
        server.close()
        await backend.aclose()
        await store.close()

    assert s[("lnpilot_cycle_duration_seconds_count", (("outcome", "ok"),))] == 1
    assert s[("lnpilot_cycle_duration_seconds_count", (("outcome", "error"),))] == 1
    assert s[("lnpilot_sync_duration_seconds_count", (("outcome", "ok"),))] == 1
    assert s[("lnpilot_sync_duration_seconds_count", (("outcome", "error"),))] == 1
    assert s[("lnpilot_sync_last_success_timestamp_seconds", ())] == now[0] - 600
    assert s[("lnpilot_backend_up", (("backend", "simnet"),))] == 0
    assert s[("lnpilot_backend_errors_total", (("kind", "backend-unavailable"),))] == 1
    assert s[("lnpilot_forwards_total", ())] == report.forwards_added
    assert s[("lnpilot_routing_fees_msat_total", ())] == sum(e.fee_msat for e in stored) > 0
    assert s[("lnpilot_routing_revenue_sat", (("window", "day"),))] == fee_report.day_fee_sum_sat
    assert s[("lnpilot_graph_snapshot_age_seconds", ())] == now[0] - snapshot.taken_at
    assert s[("lnpilot_daemon_up", ())] == 1

    text = stream.getvalue()
    assert macaroon_hex not in text
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    # Every line the cycle's task wrote (lnpilot's loggers and the stdlib httpx logger alike) carries
    # the cycle id. aiosqlite's worker thread logs (DEBUG) run outside the task's context and do not.
    prefixes = ("sync_", "backend_", "cycle", "HTTP Request: GET https://")
    ours = [line for line in lines if str(line.get("event", "")).startswith(prefixes)]
    assert len(ours) > 20 and all(line.get("cycle_id") in {first_cycle, second_cycle} for line in ours)
    assert {line["cycle_id"] for line in ours} == {first_cycle, second_cycle}
    assert any(line.get("cycle_id") == first_cycle and line["event"] == "cycle done" for line in ours)
