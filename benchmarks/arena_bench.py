"""Arena run cost, as ratios against the bare simulation measured in the same run.

For one seed on the generated graph: the simulation alone (``Simulation.advance`` over the same
days, no client), a reference strategy (charge-lnd) in process and over HTTPS, and lnpilot's
daemon (balanced) in process. The headline ratios say what the client side costs on top of
simnet's own traffic, and what HTTPS costs on top of the in-memory transport.

    python benchmarks/arena_bench.py [--small]
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", action="store_true", help="2 simulated days on a 120-node graph")
    args = parser.parse_args()

    from lnpilot.arena.node import build_simulation
    from lnpilot.arena.runner import run_one
    from lnpilot.arena.types import GraphSpec, RunSpec
    from lnpilot.logs import configure_logging

    configure_logging("console", "WARNING")
    days = 2.0 if args.small else 7.0
    base = RunSpec(
        strategy="charge-lnd-100-300",
        seed=1,
        graph=GraphSpec(nodes=120 if args.small else 300),
        channels=4 if args.small else 8,
        days=days,
    )
    # Warm the graph cache, the JIT and the imports (FastAPI, the daemon) before timing anything.
    for warm in (base, replace(base, transport="https"), replace(base, strategy="lnpilot-balanced")):
        run_one(replace(warm, days=0.25))

    def timed(fn: object) -> float:
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        return time.perf_counter() - start

    bare = timed(lambda: build_simulation(base).advance(days * 86_400))
    ref_in = timed(lambda: run_one(base))
    ref_https = timed(lambda: run_one(replace(base, transport="https")))
    pilot = timed(lambda: run_one(replace(base, strategy="lnpilot-balanced")))
    print(f"arena bench: {base.graph.label}, {base.channels} channels, {days:g} days, {base.cycles} cycles")
    print(f"  simulation alone            {bare:7.2f} s  (reference 1.00x)")
    print(f"  charge-lnd in process       {ref_in:7.2f} s  {ref_in / bare:6.2f}x")
    print(f"  charge-lnd over HTTPS       {ref_https:7.2f} s  {ref_https / bare:6.2f}x", end="")
    print(f"  (https / in process {ref_https / ref_in:.2f}x)")
    print(f"  lnpilot daemon in process   {pilot:7.2f} s  {pilot / bare:6.2f}x", end="")
    print(f"  ({pilot / base.cycles:.2f} s per cycle)")


if __name__ == "__main__":
    main()
