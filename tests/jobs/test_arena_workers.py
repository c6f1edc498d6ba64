"""``lnpilot arena --workers 2`` over the real RabbitMQ and Redis gives the table of a local run."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from lnpilot.arena.types import GraphSpec, RunSpec
from lnpilot.cli.main import main
from lnpilot.errors import ConfigError
from lnpilot.jobs.arena import JobFailed, run_on_workers, start_local_workers, stop_workers
from lnpilot.jobs.codec import result_from_dict, result_to_dict, spec_from_dict, spec_to_dict
from lnpilot.jobs.engine import JobConfig, job_config
from lnpilot.settings import load_settings

pytestmark = pytest.mark.service
_TINY = ["--nodes", "80", "--channels", "4", "--days", "1", "--seeds", "2"]
_STRATEGIES = "static-lnd,charge-lnd-10-200"


def _runs(out: Path) -> list[dict[str, object]]:
    return json.loads((out / "arena-generated-80-default.json").read_text())["runs"]


def test_arena_on_two_workers_equals_the_local_run(
    tmp_path: Path, job_config: JobConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    local, remote = tmp_path / "local", tmp_path / "workers"
    assert main(["arena", *_TINY, "--strategies", _STRATEGIES, "--out", str(local)]) == 0
    local_table = capsys.readouterr().out.split("wrote ")[0]
    monkeypatch.setenv("LNPILOT_BROKER_URL", job_config.broker_url)
    monkeypatch.setenv("REDIS_URL", job_config.results_url)
    # The CLI's namespace is the default one; point it at this test's own queues.
    monkeypatch.setattr("lnpilot.jobs.engine.job_config", lambda s, namespace="lnpilot": job_config)
    assert main(["arena", *_TINY, "--strategies", _STRATEGIES, "--out", str(remote), "--workers", "2"]) == 0
    remote_table = capsys.readouterr().out.split("wrote ")[0]
    assert _runs(remote) == _runs(local) and len(_runs(local)) == 4
    assert remote_table == local_table


def test_workers_started_elsewhere_take_the_jobs(tmp_path: Path, job_config: JobConfig) -> None:
    specs = [RunSpec("static-lnd", seed, GraphSpec(nodes=80), channels=4, days=0.5) for seed in (3, 4)]
    procs = start_local_workers(1, job_config)  # "another machine": started before, not by the call
    try:
        results = run_on_workers(specs, job_config, workers=0)
    finally:
        stop_workers(procs)
    assert [(r.strategy, r.seed) for r in results] == [("static-lnd", 3), ("static-lnd", 4)]
    assert all(r.cycles == 2 for r in results)


def test_codec_round_trip() -> None:
    spec = RunSpec("charge-lnd-10-200", 7, GraphSpec(path="/g.json"), market="/m.toml")
    assert spec_from_dict(json.loads(json.dumps(spec_to_dict(spec)))) == spec
    from lnpilot.arena.types import RunResult

    result = RunResult("static-lnd", 1, "g", 1.0, 4, 10, 2, 0, 3, 1, 0, 4, 0, (100, 200))
    assert result_from_dict(json.loads(json.dumps(result_to_dict(result)))) == result


def test_missing_or_bad_urls_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ConfigError, match="LNPILOT_BROKER_URL: required"):
        job_config(load_settings())
    with pytest.raises(ConfigError, match="REDIS_URL: required"):
        job_config(load_settings(broker_url="amqp://127.0.0.1/"))
    with pytest.raises(ConfigError, match="amqp:// URL"):
        JobConfig("http://x", "redis://x")
    with pytest.raises(ConfigError, match="namespace"):
        JobConfig("amqp://x", "redis://x", "a b")
    assert main(["arena", *_TINY, "--out", str(tmp_path), "--workers", "1"]) == 1
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1 and "LNPILOT_BROKER_URL: required" in err[0]


def test_a_worker_that_cannot_reach_the_broker_is_reported(redis_url: str) -> None:
    config = JobConfig("amqp://guest:guest@127.0.0.1:1/", redis_url, "lnpilot-test-unreachable")
    with pytest.raises(JobFailed, match="did not start: lnpilot worker: cannot reach the broker"):
        start_local_workers(1, config)


def test_lnpilot_worker_command_fails_in_one_line_without_a_broker(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["worker"]) == 1
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1 and "LNPILOT_BROKER_URL: required" in err[0]


def test_lnpilot_worker_command_reports_an_unreachable_broker(
    monkeypatch: pytest.MonkeyPatch, redis_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LNPILOT_BROKER_URL", "amqp://guest:secret-pw@127.0.0.1:1/")
    monkeypatch.setenv("REDIS_URL", redis_url)
    assert main(["worker", "--namespace", "lnpilot-test-x"]) == 1
    out = capsys.readouterr().out
    assert "cannot reach the broker" in out and "secret-pw" not in out


def test_jobs_command_shows_waiting_jobs_and_workers(
    job_config: JobConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from lnpilot.jobs.engine import make_engine

    monkeypatch.setenv("LNPILOT_BROKER_URL", job_config.broker_url)
    monkeypatch.setenv("REDIS_URL", job_config.results_url)
    ns = ["--namespace", job_config.namespace, "--json"]
    assert main(["jobs", *ns]) == 0  # nothing declared yet: all zero, no error
    assert [r["waiting"] for r in json.loads(capsys.readouterr().out)] == [0, 0, 0]
    engine = make_engine(job_config)
    try:
        for seed in (1, 2):
            engine.arena.send(
                spec_to_dict(RunSpec("static-lnd", seed, GraphSpec(nodes=80), channels=4, days=0.5))
            )
    finally:
        engine.close()
    assert main(["jobs", *ns]) == 0
    arena, fleet, graph = json.loads(capsys.readouterr().out)
    assert arena == {
        "queue": job_config.arena_queue,
        "waiting": 2,
        "running": 0,
        "retrying": 0,
        "failed": 0,
        "workers": 0,
    }
    assert fleet["queue"] == job_config.fleet_queue and fleet["waiting"] == 0
    assert graph["queue"] == job_config.graph_queue and graph["waiting"] == 0
    procs = start_local_workers(1, job_config)
    try:
        # The worker's consumer registers with RabbitMQ shortly after the worker says it is ready.
        deadline = time.monotonic() + 120
        while True:
            assert main(["jobs", "--namespace", job_config.namespace]) == 0
            out = capsys.readouterr().out
            if "1 workers" in out or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert "1 workers" in out
    finally:
        stop_workers(procs)
