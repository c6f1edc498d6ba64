"""Jobs visible while they wait, run and fail: ``lnpilot jobs`` and the Prometheus metrics
(jobs by queue and state from the scheduler's registry, durations from each worker)."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

from lnpilot.arena.types import GraphSpec, RunSpec
from lnpilot.cli.main import main
from lnpilot.fleet.scheduler import job_outcome
from lnpilot.jobs.arena import start_local_workers, stop_workers
from lnpilot.jobs.codec import spec_to_dict
from lnpilot.jobs.engine import JobConfig, make_engine
from lnpilot.jobs.metrics import JobMetrics
from lnpilot.metrics.exposition import render
from lnpilot.metrics.registry import Metrics
from lnpilot.simnet.server import free_port

pytestmark = pytest.mark.service


def _jobs(capsys: pytest.CaptureFixture[str], config: JobConfig) -> list[dict[str, Any]]:
    assert main(["jobs", "--namespace", config.namespace, "--json"]) == 0
    rows: list[dict[str, Any]] = json.loads(capsys.readouterr().out)
    return rows


def _until(check: Any, timeout_s: float = 180.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError("the expected state never showed")


def test_running_and_failed_jobs_show_in_the_cli_and_the_metrics(
    job_config: JobConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LNPILOT_BROKER_URL", job_config.broker_url)
    monkeypatch.setenv("REDIS_URL", job_config.results_url)
    state = Metrics()
    JobMetrics(state, job_config)  # what `lnpilot schedule --metrics-port` exports
    engine = make_engine(job_config)
    port = free_port()
    procs = start_local_workers(1, job_config, ["--metrics-port", str(port)])
    try:
        spec = RunSpec("static-lnd", 5, GraphSpec(nodes=80), channels=4, days=1.0)
        arena = engine.arena.send(spec_to_dict(spec))
        running = _until(lambda: [r["running_job"] for r in _jobs(capsys, job_config) if "running_job" in r])
        assert running[0]["actor"] == "arena_run" and running[0]["pid"] == procs[0].pid
        assert job_outcome(engine, arena, timeout_s=600) is not None
        # A node no configuration names: the job fails, is dead-lettered, and counted as failed.
        failed = engine.fleet.send("ghost")
        outcome = job_outcome(engine, failed, timeout_s=300)
        assert outcome is not None and outcome["status"] == "failed"
        rows = _until(lambda: [r for r in _jobs(capsys, job_config) if r.get("failed")])
        assert rows == [
            {
                "queue": job_config.fleet_queue,
                "waiting": 0,
                "running": 0,
                "retrying": 0,
                "failed": 1,
                "workers": 1,
            }
        ]
        assert main(["jobs", "--namespace", job_config.namespace]) == 0
        assert f"{job_config.fleet_queue}: 0 waiting, 0 running, 0 retrying, 1 failed, 1 workers" in (
            capsys.readouterr().out
        )
        scraped = httpx.get(f"http://127.0.0.1:{port}/metrics").text
    finally:
        stop_workers(procs)
        engine.close()
    assert 'lnpilot_job_duration_seconds_count{actor="arena_run",outcome="done"} 1.0' in scraped
    assert 'lnpilot_job_duration_seconds_count{actor="node_cycle",outcome="failed"} 1.0' in scraped
    exported = render(state)[0].decode()
    assert f'lnpilot_jobs{{queue="{job_config.fleet_queue}",state="failed"}} 1.0' in exported
    assert f'lnpilot_jobs{{queue="{job_config.arena_queue}",state="running"}} 0.0' in exported
    assert "lnpilot_jobs_broker_up 1.0" in exported


def test_an_unreachable_broker_exports_no_made_up_counts(redis_url: str) -> None:
    state = Metrics()
    JobMetrics(state, JobConfig("amqp://guest:guest@127.0.0.1:1/", redis_url, "lnpilot-test-down"))
    exported = render(state)[0].decode()
    assert "lnpilot_jobs_broker_up 0.0" in exported
    assert "lnpilot_jobs{" not in exported
