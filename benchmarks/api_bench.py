"""Scoring-service throughput on loopback, as ratios against a minimal FastAPI app in the same run.

Both servers run under the same uvicorn settings in their own process; the load generator is a
lean HTTP/1.1 keep-alive client (asyncio streams) in this process, so neither side shares a GIL.
Figures: requests/s and p50/p99 latency for a cached node score, a rankings page of 100, a batch
of 1,000 keys (cold: keys no request asked before; and cached), and the minimal constant-JSON
endpoint; the headline is score/minimal throughput.

    python benchmarks/api_bench.py [--small]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_support import KeepAliveConn

HOST = "127.0.0.1"


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _pubkey(i: int) -> str:
    return "02" + f"{i:064x}"


async def _seed(db: Path, nodes: int) -> None:
    from lnpilot.domain.scores import HEURISTICS, CompositeScore, HeuristicScore
    from lnpilot.store import Store
    from lnpilot.store.cache import MemoryCache
    from lnpilot.store.score_cache import ScoreCache

    store = await Store.open_url(f"sqlite+aiosqlite:///{db}")
    scores = [
        CompositeScore(
            _pubkey(i),
            float(i % 1000) / 10,
            1.0,
            "balanced",
            {n: HeuristicScore(n, float((i * (k + 3)) % 100), "bench") for k, n in enumerate(HEURISTICS)},
            1_764_000_000,
        )
        for i in range(1, nodes + 1)
    ]
    await ScoreCache(MemoryCache()).save(store, scores)
    await store.close()


def serve_api(port: int, db: Path) -> None:
    import uvicorn

    from lnpilot.api.app import create_app
    from lnpilot.settings import load_settings

    settings = load_settings(
        database_url=f"sqlite+aiosqlite:///{db}",
        data_dir=db.parent,
        api={"rate_limit_per_minute": 10_000_000},
        log_level="WARNING",
    )
    uvicorn.run(create_app(settings), host=HOST, port=port, log_level="warning", access_log=False)


def serve_minimal(port: int) -> None:
    import uvicorn
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/const")
    async def const() -> dict[str, object]:
        return {"pubkey": _pubkey(1), "composite": 50.0, "rank": 1}

    uvicorn.run(app, host=HOST, port=port, log_level="warning", access_log=False)


async def _load(port: int, requests: list[tuple[str, str, bytes]], concurrency: int) -> dict[str, float]:
    conns = [await KeepAliveConn.open(HOST, port) for _ in range(concurrency)]
    latencies: list[float] = []
    errors = 0
    cursor = 0

    async def worker(conn: KeepAliveConn) -> None:
        nonlocal cursor, errors
        while cursor < len(requests):
            method, path, body = requests[cursor]
            cursor += 1
            start = time.perf_counter()
            status = await conn.request(method, path, body)
            latencies.append(time.perf_counter() - start)
            errors += status != 200

    started = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in conns))
    elapsed = time.perf_counter() - started
    for c in conns:
        c.close()
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))],
        "errors": errors,
        "n": len(latencies),
    }


def _wait_ready(port: int, path: str, timeout_s: float = 30.0) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}{path}", timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true", help="quick run (CI)")
    parser.add_argument("--serve-api", nargs=2, metavar=("PORT", "DB"), help=argparse.SUPPRESS)
    parser.add_argument("--serve-minimal", metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_api:
        serve_api(int(args.serve_api[0]), Path(args.serve_api[1]))
        return
    if args.serve_minimal:
        serve_minimal(int(args.serve_minimal))
        return

    nodes = 2_000 if args.small else 10_000
    n_score = 3_000 if args.small else 30_000
    concurrency = 16
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        asyncio.run(_seed(db, nodes))
        api_port, min_port = _free_port(), _free_port()
        env = {**os.environ, "LNPILOT_DATA_DIR": tmp}
        me = [sys.executable, __file__]
        procs = [
            subprocess.Popen([*me, "--serve-api", str(api_port), str(db)], env=env),
            subprocess.Popen([*me, "--serve-minimal", str(min_port)], env=env),
        ]
        try:
            _wait_ready(api_port, "/health")
            _wait_ready(min_port, "/const")
            hot = [_pubkey(i) for i in range(1, 201)]
            score_reqs = [("GET", f"/v1/scores/nodes/{hot[i % len(hot)]}", b"") for i in range(n_score)]
            asyncio.run(_load(api_port, score_reqs[: len(hot)], 1))  # warm the cache
            const_reqs = [("GET", "/const", b"")] * n_score
            # Interleave the two measurements so machine noise hits both alike.
            runs: dict[str, list[dict[str, float]]] = {"minimal": [], "score": []}
            for _ in range(3):
                runs["minimal"].append(asyncio.run(_load(min_port, const_reqs, concurrency)))
                runs["score"].append(asyncio.run(_load(api_port, score_reqs, concurrency)))
            best = {k: max(v, key=lambda r: r["rps"]) for k, v in runs.items()}
            pages = [("GET", f"/v1/rankings?limit=100&sort={s}", b"") for s in ("composite", "activity")] * (
                100 if args.small else 500
            )
            best["rankings_100"] = asyncio.run(_load(api_port, pages, concurrency))
            # Cold: each batch asks for 1,000 keys no request asked before, so every key is read
            # from the store (in one read since the batch endpoint stopped reading key by key).
            cold = [
                (
                    "POST",
                    "/v1/scores/batch",
                    json.dumps({"pubkeys": [_pubkey(i) for i in range(k, k + 1000)]}).encode(),
                )
                for k in range(1001, nodes - 998, 1000)
            ]
            best["batch_1000_cold"] = asyncio.run(_load(api_port, cold, 1))
            batch_body = json.dumps({"pubkeys": [_pubkey(i) for i in range(1, 1001)]}).encode()
            batches = [("POST", "/v1/scores/batch", batch_body)] * (20 if args.small else 100)
            best["batch_1000"] = asyncio.run(_load(api_port, batches, 4))
        finally:
            for p in procs:
                p.terminate()
                p.wait(timeout=10)
    print(f"api_bench: {nodes} scored nodes, concurrency {concurrency}, best of 3 for score/minimal")
    for name, r in best.items():
        print(
            f"  {name:16s} {r['rps']:9.0f} req/s  p50 {r['p50_ms']:6.2f} ms  p99 {r['p99_ms']:6.2f} ms"
            f"  ({int(r['n'])} requests, {int(r['errors'])} non-200)"
        )
    ratio = best["score"]["rps"] / best["minimal"]["rps"]
    p99 = best["score"]["p99_ms"]
    print(f"  RATIO score/minimal throughput = {ratio:.2f} (target >= 0.80)")
    print(f"  score p99 = {p99:.2f} ms (target <= 20)")
    if any(r["errors"] for r in best.values()):
        sys.exit("api_bench: some requests failed")


if __name__ == "__main__":
    main()
