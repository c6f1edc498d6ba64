"""``run_one(spec) -> RunResult``: one strategy on its own simnet, measured by simnet's truth.

Pure in the sense a process pool or job engine needs: everything comes from the spec (a
picklable value), nothing is shared between runs but the parsed graph cache of the process.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

from lnpilot.arena.flips import FeeRecorder
from lnpilot.arena.node import arena_node, build_simulation
from lnpilot.arena.refs.base import competitor_median
from lnpilot.arena.strategies import check_strategy, make_strategy, pilot_profile
from lnpilot.arena.types import START_FEES, RunResult, RunSpec
from lnpilot.errors import InvalidInputError
from lnpilot.simnet.engine import Simulation


def validate_spec(spec: RunSpec) -> None:
    check_strategy(spec.strategy)
    if spec.start_fees not in START_FEES:
        raise InvalidInputError(f"unknown start fees {spec.start_fees!r} (one of {', '.join(START_FEES)})")
    if spec.days <= 0 or spec.cycle_hours <= 0:
        raise InvalidInputError("days and cycle hours must be positive")


def set_start_fees(sim: Simulation, start_fees: str) -> None:
    """``market``: each channel starts at what competitors charge to reach its peer (their
    capacity-weighted median base and ppm), as an operator who set fees by hand would."""
    if start_fees != "market":
        return
    for ch in sim.channels:
        median = competitor_median(sim.network.graph, ch.peer_pubkey, sim.node.pub_key)
        if median is not None:
            base, ppm = median
            sim.set_policy(ch, replace(ch.policy, base_fee_msat=base, fee_rate_ppm=ppm))


def _onchain_fees_sat(sim: Simulation) -> int:
    with sim.lock:
        sim.chain.settle()
        return sim.chain.onchain_fees_sat


def run_one(spec: RunSpec) -> RunResult:
    """Run one strategy for one seed; blocking (its own event loop)."""
    validate_spec(spec)
    result, _sim = asyncio.run(run_spec(spec))
    return result


async def run_spec(spec: RunSpec) -> tuple[RunResult, Simulation]:
    """The run and its simulation (whose ground truth tests compare the result with)."""
    sim = build_simulation(spec)
    set_start_fees(sim, spec.start_fees)
    baseline_updates = sim.policy_updates
    # The funding transactions predate the run: only on-chain fees paid during it count.
    baseline_onchain_sat = _onchain_fees_sat(sim)
    recorder = FeeRecorder.start(sim)
    cycle_s = spec.cycle_hours * 3600
    with tempfile.TemporaryDirectory(prefix="lnpilot-arena-") as tmp:
        async with arena_node(spec, sim, Path(tmp)) as node:
            profile = pilot_profile(spec.strategy)
            if profile is not None:
                from lnpilot.arena.pilot import run_pilot

                cycles, failed = await run_pilot(
                    profile, spec, node, Path(tmp) / "lnpilot", lambda _r: recorder.record(sim)
                )
            else:
                strategy = make_strategy(spec.strategy, spec.seed)
                stop = asyncio.Event()
                for i in range(spec.cycles):
                    await strategy.cycle(node.backend, await node.clock.refresh())
                    recorder.record(sim)
                    if i < spec.cycles - 1:
                        await node.clock.wait(cycle_s, stop)
                cycles, failed = spec.cycles, 0
        # The daemon does not wait after its last cycle: let that cycle's span pass too.
        sim.advance(cycle_s)
    with sim.lock:
        result = RunResult(
            strategy=spec.strategy,
            seed=spec.seed,
            graph=spec.graph.label,
            days=spec.cycles * spec.cycle_hours / 24,
            channels=len(sim.channels),
            fees_earned_msat=sim.fees_earned_msat(),
            rebalance_fees_msat=sim.book.rebalance_fees_msat,
            onchain_fees_msat=(_onchain_fees_sat(sim) - baseline_onchain_sat) * 1000,
            forwards=len(sim.forwards),
            policy_updates=sim.policy_updates - baseline_updates,
            fee_flips=recorder.flips(),
            cycles=cycles,
            failed_cycles=failed,
            final_fee_ppm=tuple(ch.policy.fee_rate_ppm for ch in sim.channels),
        )
    return result, sim


def _quiet_worker() -> None:
    from lnpilot.logs import configure_logging

    configure_logging("console", "WARNING")


def run_many(
    specs: Sequence[RunSpec], jobs: int = 1, on_done: Callable[[RunResult], None] | None = None
) -> list[RunResult]:
    """Every spec, in order; ``jobs`` > 1 spreads them over a local process pool."""
    for spec in specs:
        validate_spec(spec)
    done = on_done or (lambda _r: None)
    if jobs <= 1 or len(specs) <= 1:
        results = []
        for spec in specs:
            results.append(run_one(spec))
            done(results[-1])
        return results
    with ProcessPoolExecutor(max_workers=jobs, initializer=_quiet_worker) as pool:
        futures = [pool.submit(run_one, spec) for spec in specs]
        results = []
        for future in futures:
            results.append(future.result())
            done(results[-1])
        return results
