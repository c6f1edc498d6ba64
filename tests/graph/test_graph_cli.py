"""``lnpilot graph stats`` and ``lnpilot graph metrics`` end to end through ``main()``."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from lnpilot.cli import graph as graph_cli
from lnpilot.cli.main import main
from lnpilot.graph.metrics import METRIC_NAMES
from tests.conftest import shared_file

SAMPLE = ("data", "graphs", "describegraph_sample200_2025-10-25.json.gz")


def test_stats_json_on_the_sample(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", "stats", str(shared_file(*SAMPLE)), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["stats"]["nodes"] == 197 and data["stats"]["channels"] == 1279
    assert data["load_report"] == {
        "format": "lnd_describegraph",
        "nodes": 197,
        "channels": 1279,
        "skipped": {},
        "skipped_total": 0,
    }


def test_stats_table_shows_skipped_reasons(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = {"channels": [{"source": "x", "destination": "y"}]}
    path = tmp_path / "g.json"
    path.write_text(json.dumps(doc))
    assert main(["graph", "stats", str(path)]) == 0
    out = capsys.readouterr().out
    assert "malformed_pubkey" in out and "cln_listchannels" in out


def test_metrics_csv_has_a_column_per_metric(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "m.csv"
    assert main(["graph", "metrics", str(shared_file(*SAMPLE)), "--output", str(out)]) == 0
    rows = list(csv.reader(out.open()))
    assert rows[0] == ["pub_key", *METRIC_NAMES]
    assert len(rows) == 198
    assert "wrote 197 nodes x 13 metrics" in capsys.readouterr().out


def test_metrics_subset_in_request_order(tmp_path: Path) -> None:
    out = tmp_path / "m.csv"
    args = [
        "graph",
        "metrics",
        str(shared_file(*SAMPLE)),
        "-o",
        str(out),
        "--metrics",
        "pagerank,betweenness",
    ]
    assert main(args) == 0
    header, *rows = list(csv.reader(out.open()))
    assert header == ["pub_key", "pagerank", "betweenness"]
    assert sum(float(r[1]) for r in rows) == pytest.approx(1.0)


def test_progress_shows_on_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    screen = io.StringIO()
    monkeypatch.setattr(graph_cli, "err_console", Console(file=screen, force_terminal=True))
    monkeypatch.setattr(graph_cli, "_PROGRESS_MIN_NODES", 0)
    out = tmp_path / "m.csv"
    assert main(["graph", "metrics", str(shared_file(*SAMPLE)), "-o", str(out), "--metrics", "degree"]) == 0
    assert "degree" in screen.getvalue()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--metrics", "betweenness,bogus"], "unknown metric bogus"),
        (["--metrics", ","], "no metric named"),
    ],
)
def test_bad_metric_names_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code = main(["graph", "metrics", str(shared_file(*SAMPLE)), "-o", str(tmp_path / "m.csv"), *args])
    err = capsys.readouterr().err
    assert code == 1
    assert message in err and err.count("\n") == 1


def test_unreadable_inputs_and_outputs_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    garbage = tmp_path / "garbage.json"
    garbage.write_bytes(b"this is not json")
    assert main(["graph", "stats", str(tmp_path / "missing.json")]) == 1
    assert main(["graph", "stats", str(garbage)]) == 1
    assert main(["graph", "metrics", str(shared_file(*SAMPLE)), "-o", str(tmp_path / "no" / "m.csv")]) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 3 and all(line.startswith("error: ") for line in lines)
    assert (
        "cannot read graph file" in lines[0] and "not valid JSON" in lines[1] and "cannot write" in lines[2]
    )
