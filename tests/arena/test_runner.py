"""Runs against simnet's ground truth: the table's numbers are the simulation's own."""

from __future__ import annotations

import asyncio
import pickle
from dataclasses import replace
from pathlib import Path

import pytest

from lnpilot.arena.runner import run_one, run_spec, validate_spec
from lnpilot.arena.types import RunResult
from lnpilot.errors import InvalidInputError
from tests.arena.conftest import tiny
from tests.conftest import shared_file


def _truth_check(result: RunResult, sim: object) -> None:
    truth = sim.truth()  # type: ignore[attr-defined]
    assert result.fees_earned_msat == truth["fees_earned_msat"] == sum(f.fee_msat for f in sim.forwards)  # type: ignore[attr-defined]
    assert result.rebalance_fees_msat == truth["rebalance_fees_paid_msat"]
    onchain_during_run_sat = sim.chain.onchain_fees_sat - sum(  # type: ignore[attr-defined]
        t.total_fees_sat
        for t in sim.chain.txs
        if t.label == "0:openchannel"  # type: ignore[attr-defined]
    )
    assert result.onchain_fees_msat == onchain_during_run_sat * 1000
    assert result.net_profit_msat == (
        truth["fees_earned_msat"] - truth["rebalance_fees_paid_msat"] - result.onchain_fees_msat
    )
    assert result.forwards == truth["forwards"]
    assert result.final_fee_ppm == tuple(c["policy"]["fee_rate_ppm"] for c in truth["channels"])


@pytest.mark.parametrize(
    "strategy", ["static-lnd", "charge-lnd-10-200", "lndg-autofees", "clboss", "uniform-300"]
)
def test_reference_results_are_simnets_ground_truth(strategy: str) -> None:
    spec = tiny(strategy)
    result, sim = asyncio.run(run_spec(spec))
    _truth_check(result, sim)
    assert result.cycles == spec.cycles == 8
    assert result.days == 2.0
    assert sim.now_s - sim.start_s == 2 * 86_400  # every cycle's span ran, the last one too
    assert result.policy_updates == sim.policy_updates
    if strategy == "static-lnd":
        assert result.policy_updates == 0 and set(result.final_fee_ppm) == {1}
    if strategy == "uniform-300":
        assert set(result.final_fee_ppm) == {300} and result.policy_updates == spec.channels


def test_lnpilot_runs_through_its_daemon_and_matches_the_truth() -> None:
    result, sim = asyncio.run(run_spec(tiny("lnpilot-aggressive")))
    _truth_check(result, sim)
    assert result.cycles == 8 and result.failed_cycles == 0
    assert result.policy_updates == sim.policy_updates > 0  # the live daemon changed fees


def test_market_start_fees_are_not_counted_as_the_strategys_updates() -> None:
    lnd = run_one(tiny("static-lnd"))
    market, sim = asyncio.run(run_spec(tiny("static-lnd", start_fees="market")))
    assert market.policy_updates == 0
    assert sim.policy_updates > 0  # the start fees were set before the first cycle
    assert set(lnd.final_fee_ppm) == {1} and set(market.final_fee_ppm) != {1}


def test_the_same_spec_gives_the_same_result_and_specs_pickle() -> None:
    spec = tiny("clboss", seed=2)
    assert pickle.loads(pickle.dumps(spec)) == spec
    assert run_one(spec) == run_one(spec)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"strategy": "fee-wizard"}, "unknown strategy"),
        ({"start_fees": "zero"}, "unknown start fees"),
        ({"days": 0.0}, "positive"),
        ({"strategy": "charge-lnd-300-100"}, "unknown strategy"),
    ],
)
def test_bad_specs_are_refused(changes: dict[str, object], message: str) -> None:
    spec = replace(tiny("static-lnd"), **changes)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match=message):
        validate_spec(spec)


def test_a_snapshot_file_graph_runs_and_a_missing_one_is_refused(tmp_path: Path) -> None:
    from lnpilot.arena.node import load_arena_graph
    from lnpilot.arena.types import GraphSpec

    sample = shared_file("data", "graphs", "describegraph_sample200_2025-10-25.json.gz")
    spec = tiny("charge-lnd-100-300", graph=GraphSpec(path=str(sample)), days=1.0)
    result, sim = asyncio.run(run_spec(spec))
    _truth_check(result, sim)
    assert result.graph == sample.name
    with pytest.raises(InvalidInputError, match="no such graph file"):
        load_arena_graph(GraphSpec(path=str(tmp_path / "missing.json")))


def test_concurrent_runs_of_one_seed_do_not_share_a_node_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two arenas on one host simulate the same node key for a seed: each run locks its own
    simulated node (the run's lock directory), never the host's directory for real nodes."""
    from concurrent.futures import ProcessPoolExecutor

    monkeypatch.setenv("LNPILOT_LOCK_DIR", str(tmp_path))
    spec = tiny("lnpilot-balanced")
    with ProcessPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(run_one, [spec, spec]))
    assert [(r.cycles, r.failed_cycles) for r in results] == [(8, 0), (8, 0)]
    assert not list(tmp_path.iterdir())  # nothing was locked in the host-wide directory
