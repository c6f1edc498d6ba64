"""A whole comparison and a sweep: table, JSON and HTML agree with the runs."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from lnpilot.arena.compare import Comparison, best_fee, run_comparison, run_sweep
from lnpilot.arena.stats import mean_ci
from lnpilot.errors import InvalidInputError
from tests.arena.conftest import TINY


def test_comparison_writes_a_table_json_and_html_that_match_the_runs(tmp_path: Path) -> None:
    comp = Comparison(
        base=TINY,
        strategies=("static-lnd", "charge-lnd-100-300", "lnpilot-balanced"),
        seeds=(1, 2),
        references=("static-lnd", "charge-lnd-100-300", "clboss"),
    )
    outcome = run_comparison(comp, tmp_path, jobs=2)
    assert len(outcome.results) == 6
    doc = json.loads(outcome.json_path.read_text())
    assert doc["kind"] == "arena" and doc["config"]["seeds"] == [1, 2]
    by_name = {s["strategy"]: s for s in doc["summary"]}
    for name in comp.strategies:
        runs = [r for r in outcome.results if r.strategy == name]
        expected = mean_ci([r.net_profit_msat for r in runs])
        assert expected is not None
        got = by_name[name]["net_profit_msat"]
        assert got["mean"] == pytest.approx(expected.mean)
        assert got["low"] == pytest.approx(expected.low) and got["high"] == pytest.approx(expected.high)
        assert f"{expected.mean / 1000:,.0f}" in outcome.table
    best = {
        s: max(r.net_profit_msat for r in outcome.results if r.seed == s and r.strategy != "lnpilot-balanced")
        for s in (1, 2)
    }
    pilot = [r for r in outcome.results if r.strategy == "lnpilot-balanced"]
    ratio = sum(r.net_profit_msat / best[r.seed] for r in pilot) / 2
    assert by_name["lnpilot-balanced"]["ratio_to_best_ref"]["mean"] == pytest.approx(ratio)
    html = outcome.html_path.read_text()
    assert html.count("data:image/png;base64,") == 2 and "lnpilot-balanced" in html  # profit, ratios


def test_sweep_has_one_curve_per_seed_and_one_point_per_fee(tmp_path: Path) -> None:
    fees = (0, 200, 1000)
    outcome = run_sweep(replace(TINY, days=1.0), (1, 2), fees, tmp_path)
    doc = json.loads(outcome.json_path.read_text())
    assert doc["kind"] == "sweep"
    assert set(doc["curves"]) == {"1", "2"}
    for seed, points in doc["curves"].items():
        assert [p["fee_ppm"] for p in points] == list(fees)
        runs = {r.strategy: r for r in outcome.results if r.seed == int(seed)}
        assert [p["revenue_msat"] for p in points] == [runs[f"uniform-{f}"].fees_earned_msat for f in fees]
        assert doc["best"][seed]["best_ppm"] in fees
    assert "best ppm" in outcome.table and outcome.html_path.is_file()


def test_best_fee_and_interior() -> None:
    assert best_fee([(0, 1), (100, 5), (200, 3)]) == (100, True)
    assert best_fee([(0, 1), (100, 5), (200, 9)]) == (200, False)
    assert best_fee([(0, 4), (100, 4)]) == (0, False)  # ties go to the lower fee


def test_empty_comparisons_are_refused() -> None:
    with pytest.raises(InvalidInputError):
        Comparison(base=TINY, strategies=(), seeds=(1,)).specs()
