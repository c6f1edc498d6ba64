"""simnet kernel A/B: record routing calls of a simulation, replay them against kernel variants.

``capture HOURS FILE``: run the ``mainnet-2025`` preset (generated 12,000-node graph, seed 1, 20
channels) for HOURS simulated hours and pickle every ``kernel.route_payments`` call's inputs and
outputs (six hours: 37 calls, ~0.7 GB).

``replay FILE SRC [SRC ...]``: load the routing kernel of each source tree SRC (a directory
holding ``lnpilot/``; each is copied to a temporary package with its imports renamed, so several
load in one process), replay every recorded call against each, alternating the variants call by
call in the same minutes, and print each variant's CPU time (``time.process_time``) per round
and whether every output array is the recorded one (bit-identical routes). A speed-up is kept
only if its outputs match and it wins in alternated rounds: the machine is shared.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import pickle
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

# arrays that never change during a simulation: stored once, not per call
SHARED = (
    "pred_send",
    "pred_peer",
    "same_send",
    "same_peer",
    "len_send",
    "len_peer",
    "indptr",
    "e_dst",
    "e_src",
    "r_indptr",
    "r_src",
)
HOP_CACHE = ("hop_slot", "hop_table", "hop_owner", "hop_next")  # speed only: fresh per replay round


def capture(hours: float, out: Path) -> None:
    from lnpilot.simnet.engine import SimConfig, Simulation
    from lnpilot.simnet.generator import generate_graph
    from lnpilot.simnet.market import kernel
    from lnpilot.simnet.market.config import preset

    names = list(inspect.signature(kernel.route_payments.py_func).parameters)
    keep = set(SHARED) | set(HOP_CACHE)
    calls: list[tuple[dict[str, Any], dict[str, np.ndarray]]] = []
    original = kernel.route_payments

    def recording(*args: Any) -> None:
        ins = {
            n: (a.copy() if isinstance(a, np.ndarray) else a)
            for n, a in zip(names, args, strict=True)
            if n not in keep
        }
        original(*args)
        outs = {
            n: a.copy()
            for n, a in zip(names, args, strict=True)
            if isinstance(a, np.ndarray) and n not in keep
        }
        calls.append((ins, outs))

    kernel.route_payments = recording
    sim = Simulation(
        generate_graph(12_000, seed=7), SimConfig(seed=1, channels=20, market=preset("mainnet-2025"))
    )
    started = time.process_time()
    sim.advance(hours * 3_600)
    print(f"{len(calls)} calls, {time.process_time() - started:.1f} s of CPU")
    m = sim.market_model
    shared = {
        "pred_send": m.pred_send,
        "pred_peer": m.pred_peer,
        "same_send": m.same_send,
        "same_peer": m.same_peer,
        "len_send": m.len_send,
        "len_peer": m.len_peer,
        "indptr": m.edges.indptr,
        "e_dst": m.edges.dst,
        "e_src": m.edges.src,
        "r_indptr": m.r_indptr,
        "r_src": m.r_src,
    }
    with out.open("wb") as f:
        pickle.dump((names, shared, len(m.hop_owner), calls), f, protocol=5)


def _load_kernel(src: Path, tag: str, into: Path) -> Any:
    """``src/lnpilot`` copied to ``into/<tag>`` with its own imports renamed, then imported."""
    shutil.copytree(src / "lnpilot", into / tag, ignore=shutil.ignore_patterns("__pycache__"))
    for py in (into / tag).rglob("*.py"):
        py.write_text(re.sub(r"\blnpilot\b", tag, py.read_text()))
    return importlib.import_module(f"{tag}.simnet.market.kernel")


def replay(path: Path, sources: list[Path], rounds: int, hop_rows_override: int = 0) -> None:
    with path.open("rb") as f:
        names, shared, hop_rows, calls = pickle.load(f)
    hop_rows = hop_rows_override or hop_rows
    n = len(shared["r_indptr"]) - 1
    tmp = Path(tempfile.mkdtemp(prefix="simnet_replay_"))
    sys.path.insert(0, str(tmp))
    kernels = [_load_kernel(src, f"variant{i}", tmp) for i, src in enumerate(sources)]

    def hop_cache() -> dict[str, np.ndarray]:
        return {
            "hop_slot": np.full(n, -1, dtype=np.int64),
            "hop_table": np.empty((hop_rows, n), dtype=np.int8),
            "hop_owner": np.full(hop_rows, -1, dtype=np.int64),
            "hop_next": np.zeros(1, dtype=np.int64),
        }

    def one(
        kernel: Any, call: tuple[dict[str, Any], dict[str, np.ndarray]], hop: dict[str, np.ndarray]
    ) -> tuple[float, bool]:
        ins, outs = call
        args = []
        for k in names:
            if k in hop:
                args.append(hop[k])
            elif k in shared:
                args.append(shared[k])
            else:  # a fresh copy: the kernel writes into its arrays
                args.append(np.copy(ins[k]) if isinstance(ins[k], np.ndarray) else ins[k])
        started = time.process_time()
        kernel.route_payments(*args)
        spent = time.process_time() - started
        got = dict(zip(names, args, strict=True))
        # counters 8-9 count directed vs plain exact searches: speed only, they may differ
        same = all(
            np.array_equal(got[k][:8] if k == "counters" else got[k], v[:8] if k == "counters" else v)
            for k, v in outs.items()
        )
        return spent, same

    for kernel in kernels:  # compile outside the timing
        one(kernel, calls[0], hop_cache())
    spent = np.zeros((rounds, len(kernels)))
    same = [True] * len(kernels)
    for r in range(rounds):
        caches = [hop_cache() for _ in kernels]
        for c, call in enumerate(calls):
            order = list(range(len(kernels)))
            if (c + r) % 2:
                order.reverse()
            for i in order:
                s, ok = one(kernels[i], call, caches[i])
                spent[r, i] += s
                same[i] = same[i] and ok
    for i, src in enumerate(sources):
        rounds_s = " ".join(f"{x:.2f}" for x in spent[:, i])
        print(f"{src}: outputs {'identical' if same[i] else 'DIFFER'}; CPU s per round {rounds_s}")
    shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    cap = sub.add_parser("capture")
    cap.add_argument("hours", type=float)
    cap.add_argument("file", type=Path)
    rep = sub.add_parser("replay")
    rep.add_argument("file", type=Path)
    rep.add_argument("sources", type=Path, nargs="+", help="source trees (each holds lnpilot/)")
    rep.add_argument("--rounds", type=int, default=3)
    rep.add_argument(
        "--hop-rows", type=int, default=0, help="rows of the hop-count ring (default: the captured run's)"
    )
    args = parser.parse_args(argv)
    if args.command == "capture":
        capture(args.hours, args.file)
    else:
        replay(args.file, args.sources, args.rounds, args.hop_rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
