"""simnet: a simulated 30-day month for a 20-channel node (issue 15's speed targets).

1. the 2021 mainnet graph, default market: target <= 60 s;
2. the ``mainnet-2025`` preset (200,000 payments a day) on a generated 12,000-node graph: <= 180 s.
Reference measured in the same run: one single-source route search over the same graph in
plain Python (heapq Dijkstra with LND's edge weights), the cost a naive simulator would pay per
payment. Figures: each month's wall time, and the month expressed in reference searches.
``--small`` runs a 1,000-node generated graph for 3 simulated days in both markets (what CI runs).
"""

from __future__ import annotations

import argparse
import heapq
import os
import sys
import time
from pathlib import Path

import numpy as np

from lnpilot.domain.graph import Graph
from lnpilot.simnet.engine import SimConfig, Simulation
from lnpilot.simnet.generator import generate_graph
from lnpilot.simnet.market.config import preset
from lnpilot.simnet.pathing import EdgeArrays

MAINNET_2021 = (
    Path(__file__).resolve().parents[1].parent / "shared/data/graphs/cln_listchannels_2021-04-16.json.gz"
)
TARGET_S = 60.0
TARGET_2025_S = 180.0


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


def run(graph: Graph, label: str, market: str, days: int, channels: int, target_s: float | None) -> None:
    started, cpu_started = time.perf_counter(), time.process_time()
    sim = Simulation(graph, SimConfig(seed=1, channels=channels, market=preset(market)))
    setup_s = time.perf_counter() - started
    setup_cpu_s = time.process_time() - cpu_started
    reference_s = float(np.median([python_dijkstra_s(sim.network.edges, 20_000_000.0, s) for s in (0, 1, 2)]))
    started, run_cpu_started = time.perf_counter(), time.process_time()
    sim.advance(days * 86_400)
    run_s = time.perf_counter() - started
    run_cpu_s = time.process_time() - run_cpu_started
    cpu_s = time.process_time() - cpu_started
    truth = sim.truth()
    stats = sim.market_model.stats
    total_s = setup_s + run_s
    print(
        f"simnet on the {label}, market {market}: {len(graph.nodes)} nodes, {len(graph.channels)} channels, "
        f"{channels} of ours, {days} simulated days"
    )
    print(
        f"  payments: {stats.payments} ({stats.succeeded} succeeded, {stats.failed_no_route} no route, "
        f"{stats.mpp_splits} MPP splits); forwards through us: {truth['forwards']}; "
        f"fees earned: {int(str(truth['fees_earned_msat'])) // 1000} sat"
    )
    directed, plain = (int(x) for x in sim.market_model.exact_searches)
    print(f"  exact searches: {directed} goal-directed, {plain} left to the plain search (heap-decided ties)")
    print(f"  reference (one plain-Python route search): {reference_s * 1000:.1f} ms")
    print(
        f"  setup {setup_s:.1f} s + run {run_s:.1f} s = {total_s:.1f} s "
        f"= {total_s / reference_s:,.0f} x reference (CPU time {cpu_s:.1f} s: the figure on a shared machine)"
    )
    print(
        f"  CPU: setup {setup_cpu_s:.1f} s, {run_cpu_s / days:.2f} s per simulated day "
        f"(load average {' '.join(f'{x:.1f}' for x in os.getloadavg())})"
    )
    if target_s is not None:
        verdict = "within" if total_s <= target_s else "OVER"
        cpu_verdict = "within" if cpu_s <= target_s else "OVER"
        print(
            f"  target <= {target_s:.0f} s: {verdict} ({total_s / target_s:.2f} of the budget); "
            f"in CPU time {cpu_verdict} ({cpu_s / target_s:.2f})"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true", help="1,000 generated nodes, 3 days (CI)")
    parser.add_argument("--only", choices=("2021", "2025"), help="run one of the two figures")
    args = parser.parse_args(argv)
    if args.small:
        graph: Graph = generate_graph(1_000, seed=7)
        run(graph, "generated 1,000-node graph", "default", 3, 20, None)
        run(graph, "generated 1,000-node graph", "mainnet-2025", 1, 20, None)
        return 0
    if args.only in (None, "2021"):
        if not MAINNET_2021.exists():
            print(f"skipped: {MAINNET_2021} not available")
        else:
            from lnpilot.graph.ingest import load_graph

            loading = time.perf_counter()
            graph = load_graph(MAINNET_2021).graph
            print(f"graph load (not part of the figure): {time.perf_counter() - loading:.1f} s")
            run(graph, "2021 mainnet graph", "default", 30, 20, TARGET_S)
    if args.only in (None, "2025"):
        loading = time.perf_counter()
        graph = generate_graph(12_000, seed=7)
        print(f"graph generation (not part of the figure): {time.perf_counter() - loading:.1f} s")
        run(graph, "generated 12,000-node graph", "mainnet-2025", 30, 20, TARGET_2025_S)
    return 0


if __name__ == "__main__":
    sys.exit(main())
