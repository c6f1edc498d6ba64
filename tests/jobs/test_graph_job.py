"""Graph metrics and scoring of a snapshot as a job: the CSV of ``lnpilot graph score`` on a
worker over the real RabbitMQ and Redis equals the local one, byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest

from lnpilot.cli.main import main
from lnpilot.jobs.arena import JobFailed
from lnpilot.jobs.engine import JobConfig
from lnpilot.jobs.graph import score_request
from lnpilot.jobs.graph_client import score_on_workers
from tests.conftest import shared_file

pytestmark = pytest.mark.service
SAMPLE = ("data", "graphs", "describegraph_sample200_2025-10-25.json.gz")


def test_graph_score_on_a_worker_equals_the_local_run(
    tmp_path: Path, job_config: JobConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    snapshot = shared_file(*SAMPLE)
    local, remote = tmp_path / "local.csv", tmp_path / "remote.csv"
    assert main(["graph", "score", str(snapshot), "-o", str(local), "--top", "3"]) == 0
    local_out = capsys.readouterr().out
    monkeypatch.setenv("LNPILOT_BROKER_URL", job_config.broker_url)
    monkeypatch.setenv("REDIS_URL", job_config.results_url)
    monkeypatch.setattr("lnpilot.jobs.engine.job_config", lambda s, namespace="lnpilot": job_config)
    args = ["graph", "score", str(snapshot), "-o", str(remote), "--top", "3", "--workers", "1"]
    assert main(args) == 0
    remote_out = capsys.readouterr().out
    assert remote.read_bytes() == local.read_bytes()
    assert len(local.read_text().splitlines()) > 100
    assert remote_out.replace(str(remote), "X") == local_out.replace(str(local), "X")


def test_a_profile_changes_the_job_result_like_the_local_one(tmp_path: Path) -> None:
    snapshot = str(shared_file(*SAMPLE))
    balanced = score_request({"path": snapshot, "profile": "balanced"})["rows"]
    aggressive = score_request({"path": snapshot, "profile": "aggressive"})["rows"]
    assert balanced != aggressive  # the profile travels in the message and is used


def test_a_failing_graph_job_is_one_line(tmp_path: Path, job_config: JobConfig) -> None:
    missing = tmp_path / "nope.json"
    missing.write_text("{}")  # no nodes: the worker refuses it
    with pytest.raises(JobFailed, match=r"graph job .* failed"):
        score_on_workers(missing, "balanced", {}, job_config, workers=1)
