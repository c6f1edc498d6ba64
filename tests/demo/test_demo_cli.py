"""``lnpilot demo --days 2`` end to end: simnet in-process, the daemon live, summary and report."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest

from lnpilot.cli.main import main
from lnpilot.daemon.demo import DemoOptions, run_demo
from lnpilot.execution.plan import Mode

PNG = b"\x89PNG\r\n\x1a\n"


def test_demo_two_days_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data_dir = tmp_path / "demo"
    assert main(["demo", "--days", "2", "--data-dir", str(data_dir)]) == 0
    out = capsys.readouterr().out
    assert "lnpilot demo: 2 simulated days, live" in out
    for row in ("routing revenue", "forwards", "decisions by type", "rollbacks", "rebalance cost"):
        assert row in out
    assert "8 cycles (0 failed)" in out
    report = data_dir / "demo-report.html"
    assert f"report: {report}" in out
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', report.read_text())
    assert len(images) == 3 and all(base64.b64decode(i).startswith(PNG) for i in images)
    # A second run in the same directory starts from a fresh store, not the first run's.
    assert (
        main(["demo", "--days", "0.5", "--data-dir", str(data_dir), "--nodes", "60", "--channels", "3"]) == 0
    )
    assert "2 cycles (0 failed)" in capsys.readouterr().out


async def test_demo_figures_are_the_node_s(tmp_path: Path) -> None:
    stages: list[str] = []
    reports: list[object] = []
    options = DemoOptions(days=1.5, nodes=100, channels=5, seed=7, data_dir=tmp_path / "d", mode=Mode.LIVE)
    result = await run_demo(options, reports.append, stages.append)
    assert result.cycles == 6 and result.failed_cycles == 0 and len(reports) == 6
    assert stages[0].startswith("building") and stages[-1] == "writing the report"
    s, truth = result.summary, result.truth
    # What the store measured is what simnet says happened, to the forward and the msat.
    assert s["forwards"] == truth["forwards"] > 0
    assert s["fees_msat"] == truth["fees_earned_msat"]
    assert s["rebalance_cost_msat"] == truth["rebalance_fees_paid_msat"]
    assert sum(s["decisions"].values()) == 6 * 5
    assert result.report_path.is_file() and result.until > result.since
