"""``lnpilot arena``: a table with intervals, files beside it, one line and exit 1 on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lnpilot.cli.main import main

_TINY = ["--nodes", "80", "--channels", "4", "--days", "1"]


def test_arena_prints_the_table_and_writes_json_and_html(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code = main(
        ["arena", *_TINY, "--seeds", "2", "--strategies", "static-lnd,charge-lnd-10-200", "--out", str(out)]
    )
    printed = capsys.readouterr().out
    assert code == 0
    assert "net profit sat (95% CI)" in printed and "charge-lnd-10-200" in printed
    assert "[" in printed  # two seeds: intervals, not bare means
    doc = json.loads((out / "arena-generated-80-default.json").read_text())
    assert [s["strategy"] for s in doc["summary"]] == ["static-lnd", "charge-lnd-10-200"]
    assert (out / "arena-generated-80-default.html").is_file()


def test_arena_sweep_from_a_toml_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "arena.toml"
    cfg.write_text("[arena]\nseeds = [5]\nnodes = 80\nchannels = 4\ndays = 1\nsweep_fees = [0, 500]\n")
    code = main(["arena", "--config", str(cfg), "--sweep", "--out", str(tmp_path / "o")])
    assert code == 0
    assert "best ppm" in capsys.readouterr().out
    doc = json.loads((tmp_path / "o" / "sweep-generated-80-default.json").read_text())
    assert [p["fee_ppm"] for p in doc["curves"]["5"]] == [0, 500]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--strategies", "fee-wizard"], "unknown strategy 'fee-wizard'"),
        (["--graph", "/nonexistent/graph.json"], "no such graph file"),
        (["--market", "/nonexistent/market.toml"], "no such market file"),
        (["--market", "moon"], "no such market file or preset: moon"),
        (["--seeds", "a,b"], "seeds must be"),
        (["--start-fees", "zero"], "unknown start fees"),
        (["--jobs", "0"], "--jobs must be at least 1"),
        (["--sweep", "--sweep-fees", "x"], "sweep fees must be integers"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["arena", *_TINY, "--out", str(tmp_path), *args])
    err = capsys.readouterr().err
    assert code == 1
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]
    assert not any(tmp_path.iterdir())  # nothing written


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[arena\n", "arena file"),
        ("[arena]\nwizardry = 1\n", "unknown keys"),
        ("[market]\nfile = 'm.toml'\nother = 1\n", "[market] takes either file"),
        ("[market]\nwizardry = 1\n", "unknown parameter 'wizardry'"),
        ("[market]\npreset = 'moon'\n", "unknown market preset 'moon'"),
        ("[market]\nfile = 'missing.toml'\n", "no such market file"),
        ("[bogus]\n", "unknown sections"),
    ],
)
def test_bad_arena_files_are_refused(
    text: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "arena.toml"
    cfg.write_text(text)
    assert main(["arena", "--config", str(cfg), "--out", str(tmp_path / "o")]) == 1
    assert message in capsys.readouterr().err


def test_a_missing_arena_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["arena", "--config", str(tmp_path / "nope.toml")]) == 1
    assert "no such arena file" in capsys.readouterr().err


def test_a_progress_bar_on_a_terminal_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    from rich.console import Console

    from lnpilot.cli import arena as arena_cli

    args = ["arena", *_TINY, "--seeds", "1", "--strategies", "static-lnd", "--out", str(tmp_path)]
    assert main(args) == 0
    assert "arena runs" not in capsys.readouterr().err  # not a terminal: plain lines only
    screen = io.StringIO()
    monkeypatch.setattr(arena_cli, "err_console", Console(file=screen, force_terminal=True, width=80))
    assert main(args) == 0
    shown = screen.getvalue()
    assert "arena runs" in shown and "1/1" in shown


def test_the_market_reaches_every_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--market PRESET``, ``--market FILE`` and an inline ``[market]`` table all reach simnet."""
    from lnpilot.arena.market import market_config, market_source
    from lnpilot.arena.node import build_simulation
    from lnpilot.arena.types import GraphSpec, RunSpec

    market_file = tmp_path / "m.toml"
    market_file.write_text('[market]\npreset = "sink-heavy"\n[market.demand]\npayments_per_day = 1234.0\n')
    text = market_source(str(market_file))
    sim = build_simulation(RunSpec("static-lnd", 1, GraphSpec(nodes=80), channels=4, market=text))
    assert sim.market.name == "sink-heavy" and sim.market.demand.payments_per_day == 1234.0
    assert market_config(market_source("fee-sensitive")).name == "fee-sensitive"
    default = build_simulation(RunSpec("static-lnd", 1, GraphSpec(nodes=80), channels=4))
    assert default.market.demand.payments_per_day == market_config(None).demand.payments_per_day

    cfg = tmp_path / "arena.toml"
    cfg.write_text(
        "[arena]\nseeds = [5]\nnodes = 80\nchannels = 4\ndays = 1\nstrategies = ['static-lnd']\n"
        "[market]\npreset = 'fee-sensitive'\ndemand = { payments_per_day = 900.0 }\n"
    )
    assert main(["arena", "--config", str(cfg), "--out", str(tmp_path / "o")]) == 0
    assert "market fee-sensitive" in capsys.readouterr().out
    doc = json.loads((tmp_path / "o" / "arena-generated-80-fee-sensitive.json").read_text())
    assert "payments_per_day = 900.0" in doc["config"]["market"]
