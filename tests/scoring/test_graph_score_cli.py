from __future__ import annotations

import csv
from pathlib import Path

import pytest

from lnpilot.cli.main import main
from lnpilot.domain.scores import HEURISTICS
from tests.conftest import shared_file

pytest.importorskip("lnpilot.graph.metrics", reason="graph metrics not available")


def _graph() -> Path:
    return shared_file("data", "graphs", "lnd_testdata_basic_graph.json")


def test_writes_one_row_per_node(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "scores.csv"
    assert main(["graph", "score", str(_graph()), "--output", str(out), "--top", "3"]) == 0
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 7
    assert list(rows[0])[:12] == ["pub_key", "alias", "composite", *HEURISTICS, "rank"]
    assert [r["rank"] for r in rows] == [str(i) for i in range(1, 8)]
    assert {r["liquidity"] for r in rows} == {""}  # does not apply: empty, not 0
    assert all(r["centrality"] for r in rows)
    printed = capsys.readouterr().out
    assert "scored 7 nodes with profile balanced" in printed and "roasbeef" in printed


def test_custom_profile_from_toml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "lnpilot.toml"
    config.write_text('[profiles.hubs]\nbase = "balanced"\nweights = { competitiveness = 0 }\n')
    monkeypatch.setenv("LNPILOT_CONFIG", str(config))
    out = tmp_path / "scores.csv"
    assert main(["graph", "score", str(_graph()), "-o", str(out), "--profile", "hubs", "--top", "0"]) == 0
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    # Competitiveness still shown, but carries no weight: coverage 0.30 of 0.85.
    assert {r["coverage"] for r in rows} == {f"{0.30 / 0.85:.2f}"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--profile", "nope"], "unknown profile 'nope'"),
        (["--output", "/nonexistent-dir/x.csv"], "cannot write"),
    ],
)
def test_errors_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    argv = ["graph", "score", str(_graph()), "--output", str(tmp_path / "s.csv"), *args]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", "score", str(tmp_path / "none.json"), "--output", str(tmp_path / "s.csv")]) == 1
    assert "cannot read graph file" in capsys.readouterr().err


def test_empty_graph(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty.json"
    empty.write_text('{"nodes": [], "edges": []}')
    assert main(["graph", "score", str(empty), "--output", str(tmp_path / "s.csv")]) == 1
    assert "no nodes to score" in capsys.readouterr().err
