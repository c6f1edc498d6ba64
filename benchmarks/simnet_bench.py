"""simnet: a simulated 30-day month for a 20-channel node on the 2021 mainnet graph (target <= 60 s).

Reference measured in the same run: one single-source route search over the same graph in
plain Python (heapq Dijkstra with LND's edge weights), the cost a naive simulator would pay per
payment. Figures: the month's wall time, and the month expressed in reference searches.
``--small`` runs a 1,000-node generated graph for 3 simulated days (what CI runs).
"""

from __future__ import annotations

import argparse
import heapq
import sys
import time
from pathlib import Path

import numpy as np

from lnpilot.domain.graph import Graph
from lnpilot.simnet.engine import SimConfig, Simulation
from lnpilot.simnet.generator import generate_graph
from lnpilot.simnet.pathing import EdgeArrays

MAINNET_2021 = (
    Path(__file__).resolve().parents[1].parent / "shared/data/graphs/cln_listchannels_2021-04-16.json.gz"
)
TARGET_S = 60.0


def python_dijkstra_s(edges: EdgeArrays, amount_msat: float, source: int) -> float:
    weight = edges.weights(amount_msat).tolist()
    indptr, dst = edges.indptr.tolist(), edges.dst.tolist()
    started = time.perf_counter()
    dist = {source: 0.0}
    heap = [(0.0, source)]
    done: set[int] = set()
    while heap:
        d, v = heapq.heappop(heap)
        if v in done:
            continue
        done.add(v)
        for e in range(indptr[v], indptr[v + 1]):
            w = weight[e]
            if w == float("inf"):
                continue
            nd = d + w
            u = dst[e]
            if nd < dist.get(u, float("inf")):
                dist[u] = nd
                heapq.heappush(heap, (nd, u))
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true", help="1,000 generated nodes, 3 days (CI)")
    args = parser.parse_args(argv)
    if args.small:
        graph: Graph = generate_graph(1_000, seed=7)
        days, channels, label = 3, 20, "generated 1,000-node graph"
    else:
        if not MAINNET_2021.exists():
            print(f"skipped: {MAINNET_2021} not available")
            return 0
        from lnpilot.graph.ingest import load_graph

        loading = time.perf_counter()
        graph = load_graph(MAINNET_2021).graph
        print(f"graph load (not part of the figure): {time.perf_counter() - loading:.1f} s")
        days, channels, label = 30, 20, "2021 mainnet graph"

    started = time.perf_counter()
    sim = Simulation(graph, SimConfig(seed=1, channels=channels))
    setup_s = time.perf_counter() - started
    reference_s = float(np.median([python_dijkstra_s(sim.network.edges, 20_000_000.0, s) for s in (0, 1, 2)]))
    started = time.perf_counter()
    sim.advance(days * 86_400)
    run_s = time.perf_counter() - started
    truth = sim.truth()
    failed = sum(int(c["failed_for_liquidity"]) for c in truth["channels"])  # type: ignore[union-attr]
    total_s = setup_s + run_s
    print(
        f"simnet on the {label}: {len(graph.nodes)} nodes, {len(graph.channels)} channels, "
        f"{channels} of ours, {days} simulated days"
    )
    print(
        f"  payments simulated: ~{int(sim.config.payments_per_day * days)}; forwards: {truth['forwards']}; "
        f"failed for our liquidity: {failed}; fees earned: {int(truth['fees_earned_msat']) // 1000} sat"
    )  # type: ignore[call-overload]
    print(f"  reference (one plain-Python route search): {reference_s * 1000:.1f} ms")
    print(
        f"  setup {setup_s:.1f} s + run {run_s:.1f} s = {total_s:.1f} s "
        f"= {total_s / reference_s:,.0f} x reference"
    )
    if not args.small:
        verdict = "within" if total_s <= TARGET_S else "OVER"
        print(
            f"  target <= {TARGET_S:.0f} s for the month: {verdict} ({total_s / TARGET_S:.2f} of the budget)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
