"""Graph analytics benchmark: load, exact betweenness (vs igraph and networkx), all metrics, memory.

    python benchmarks/graph_bench.py            # the 2021 mainnet graph (8,827 nodes), figures for docs
    python benchmarks/graph_bench.py --small    # the 197-node sample (or a generated graph): CI

Times are the best of ``--repeat`` runs (this machine is shared); every speed figure is also
printed as a ratio against a reference measured in the same run. Cold figures run in a fresh
process with an empty numba cache, so they include JIT compilation.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from lnpilot.domain.graph import Graph, GraphChannel, GraphNode
from lnpilot.graph.brandes import betweenness_raw
from lnpilot.graph.ingest import load_graph
from lnpilot.graph.metrics import METRIC_NAMES, metric_columns
from lnpilot.graph.topology import Topology, build_topology

GRAPHS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "graphs"
MAINNET = GRAPHS / "cln_listchannels_2021-04-16.json.gz"
SAMPLE = GRAPHS / "describegraph_sample200_2025-10-25.json.gz"


def best(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """(best wall seconds, best CPU seconds summed over threads, result) of ``repeat`` runs."""
    walls, cpus, result = [], [], None
    for _ in range(max(1, repeat)):
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus), result


def generated_graph(n: int, seed: int) -> Graph:
    """A Lightning-like graph: a random core with a few hubs plus about 50 % leaves and small trees."""
    rng = random.Random(seed)
    keys = ["02" + f"{i:064x}" for i in range(n)]
    core = max(3, n // 2)
    pairs = []
    for v in range(1, core):
        for _ in range(rng.choice([1, 1, 2, 3, 6])):
            pairs.append((v, rng.randrange(v) if rng.random() < 0.5 else rng.randrange(min(v, 10))))
    for v in range(core, n):
        pairs.append((v, rng.randrange(v)))
    channels = tuple(
        GraphChannel((600_000 + i) << 40, keys[a], keys[b], 1_000_000, None, None)
        for i, (a, b) in enumerate(pairs)
    )
    return Graph(nodes={k: GraphNode(k) for k in keys}, channels=channels)


def edges_of(topo: Topology) -> list[tuple[int, int]]:
    rows = np.repeat(np.arange(topo.n), np.diff(topo.indptr))
    upper = rows < topo.indices
    return list(zip(rows[upper].tolist(), topo.indices[upper].tolist(), strict=True))


EXACT = 1e-9  # relative; a larger difference fails the run (a correctness check, never a timing one)


def max_rel_error(ours: np.ndarray, reference: np.ndarray) -> float:
    error = float(np.max(np.abs(ours - reference) / np.maximum(np.abs(reference), 1.0))) if len(ours) else 0.0
    if error > EXACT:
        sys.exit(f"betweenness differs from the reference by {error:.1e} (> {EXACT:.0e})")
    return error


def networkx_check(topo: Topology) -> tuple[float, float]:
    import networkx as nx

    g = nx.Graph()
    g.add_nodes_from(range(topo.n))
    g.add_edges_from(edges_of(topo))
    start = time.perf_counter()
    ref = nx.betweenness_centrality(g, normalized=False)
    seconds = time.perf_counter() - start
    ours = betweenness_raw(topo.indptr, topo.indices)
    return max_rel_error(ours, np.array([ref[i] for i in range(topo.n)])), seconds


def child(path: str) -> None:
    """Runs in a fresh interpreter: load + every metric once; prints timings and peak RSS as JSON."""
    start = time.perf_counter()
    graph = load_graph(Path(path)).graph if path != "generated" else generated_graph(400, 1)
    loaded = time.perf_counter()
    topo = build_topology(graph)
    betweenness_raw(topo.indptr, topo.indices)
    between = time.perf_counter()
    metric_columns(graph, METRIC_NAMES, topology=topo)
    done = time.perf_counter()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures = {"load_s": loaded - start, "betweenness_s": between - loaded, "all_metrics_s": done - between}
    print(json.dumps({**figures, "peak_mb": peak_mb}))


def run_child(path: str, cache_dir: str | None) -> dict[str, float]:
    env = dict(os.environ)
    if cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = cache_dir
    out = subprocess.run(
        [sys.executable, __file__, "--child", path], env=env, capture_output=True, text=True, check=True
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--small", action="store_true", help="the 197-node sample or a generated graph (CI)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    import igraph as ig
    import numba

    source = SAMPLE if args.small else MAINNET
    label = str(source) if source.exists() else "generated"
    if label == "generated" and not args.small:
        sys.exit(f"{MAINNET} is missing: run with --small, or check out ../shared")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"graph: {label}; {numba.get_num_threads()} numba threads; best of {args.repeat}; load average {load}"
    )

    with tempfile.TemporaryDirectory() as empty_cache:
        cold = run_child(label, empty_cache)
    warm = run_child(label, None)
    for name, fig in (("cold (JIT compile included)", cold), ("warm (numba cache on disk)", warm)):
        print(
            f"fresh process, {name}: load {fig['load_s']:.2f} s, betweenness {fig['betweenness_s']:.2f} s, "
            f"all metrics {fig['all_metrics_s']:.2f} s, peak RSS {fig['peak_mb']:.0f} MB"
        )

    load_s, _, result = best(lambda: load_graph(source) if source.exists() else None, args.repeat // 2)
    graph = result.graph if result is not None else generated_graph(400, 1)
    topo = build_topology(graph)
    print(f"nodes {topo.n}, distinct edges {len(topo.indices) // 2}, load {load_s:.3f} s (best, in process)")

    betweenness_raw(topo.indptr, topo.indices)  # compile / load the cache outside the timing
    ours_s, ours_cpu, ours = best(lambda: betweenness_raw(topo.indptr, topo.indices), args.repeat)
    reference = ig.Graph(n=topo.n, edges=edges_of(topo))
    igraph_s, igraph_cpu, expected = best(lambda: reference.betweenness(directed=False), args.repeat // 2)
    print(
        f"exact betweenness: ours {ours_s:.3f} s wall / {ours_cpu:.3f} s CPU, "
        f"igraph {igraph_s:.3f} s wall / {igraph_cpu:.3f} s CPU -> {igraph_s / ours_s:.1f}x faster (wall), "
        f"{igraph_cpu / ours_cpu:.1f}x less CPU; max relative difference "
        f"{max_rel_error(ours, np.array(expected)):.1e}"
    )
    all_s, all_cpu, _ = best(lambda: metric_columns(graph, METRIC_NAMES, topology=topo), args.repeat // 2)
    print(f"all {len(METRIC_NAMES)} metrics: {all_s:.3f} s wall / {all_cpu:.3f} s CPU")
    for name in ("betweenness", "routing_betweenness", "closeness", "pagerank", "median_in_fee_ppm"):
        wall, cpu, _ = best(lambda name=name: metric_columns(graph, [name], topology=topo), args.repeat // 2)
        print(f"  {name}: {wall:.3f} s wall / {cpu:.3f} s CPU ({wall / all_s:.0%} of all)")

    checks = [("2025 sample" if SAMPLE.exists() else "generated 400", build_topology(
        load_graph(SAMPLE).graph if SAMPLE.exists() else generated_graph(400, 1)))]  # fmt: skip
    checks += [(f"random fringed graph {i}", build_topology(generated_graph(300, seed=i))) for i in range(3)]
    for name, sample in checks:
        error, nx_s = networkx_check(sample)
        mine, _, _ = best(lambda sample=sample: betweenness_raw(sample.indptr, sample.indices), args.repeat)
        print(
            f"vs networkx on {name} ({sample.n} nodes): "
            f"max relative difference {error:.1e}, {nx_s / mine:.0f}x faster"
        )


if __name__ == "__main__":
    main()
