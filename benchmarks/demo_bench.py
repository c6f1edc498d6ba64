"""The demo: two simulated weeks of the live daemon on simnet (target: under 120 s on 2 cores).

Reference measured in the same run: the same simulated span on an identical simulation with no
daemon at all (``Simulation.advance`` in steps of one cycle), i.e. the cost of the traffic alone.
Figures: the demo's wall time, its ratio to the reference, and the daemon's own cost per cycle.
``--small`` runs 2 simulated days on a 120-node graph (what CI runs).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from lnpilot.daemon.demo import DemoOptions, run_demo
from lnpilot.logs import configure_logging
from lnpilot.simnet.testing import make_simulation

TARGET_S = 120.0


def traffic_only_s(options: DemoOptions) -> float:
    sim = make_simulation(nodes=options.nodes, channels=options.channels, seed=options.seed)
    cycles = max(1, round(options.days * 24 / options.cycle_hours))
    started = time.perf_counter()
    for _ in range(cycles - 1):  # the demo advances between cycles, not after the last one
        sim.advance(options.cycle_hours * 3600)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true", help="2 simulated days, 120 nodes")
    args = parser.parse_args()
    configure_logging("console", "ERROR")
    with tempfile.TemporaryDirectory() as tmp:
        options = DemoOptions(
            days=2 if args.small else 14,
            nodes=120 if args.small else 300,
            data_dir=Path(tmp) / "demo",
        )
        reference_s = traffic_only_s(options)
        started = time.perf_counter()
        result = asyncio.run(run_demo(options))
        demo_s = time.perf_counter() - started
    daemon_s = max(0.0, demo_s - reference_s)
    print(f"demo: {options.days:g} simulated days, {result.cycles} cycles, {options.nodes} nodes")
    print(f"  wall time            {demo_s:8.1f} s   (target {TARGET_S:.0f} s with the defaults)")
    print(f"  traffic alone (ref)  {reference_s:8.1f} s")
    print(
        f"  demo / reference     {demo_s / reference_s:8.1f}x" if reference_s > 0 else "  reference too fast"
    )
    print(f"  daemon per cycle     {daemon_s / max(1, result.cycles):8.3f} s")
    print(f"  forwards {result.summary['forwards']}, decisions {sum(result.summary['decisions'].values())}")
    if not args.small and demo_s > TARGET_S:
        print(f"FAIL: the demo took {demo_s:.0f} s, over the {TARGET_S:.0f} s target")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
