"""API requests per second with 1, then 2 (full run: 3) `lnpilot serve` replicas sharing one
Redis (rate limits, score cache) and one PostgreSQL database (store, API keys), each ratio against
one replica measured in the same run.

Each replica is the real command (`python -m lnpilot serve`) in its own process on loopback, set
up as tests/jobs/test_api_replicas.py sets up its two. The load is a read mix an operator's
dashboard and a public scoring client produce together, sent for a fixed time by one asyncio
client over keep-alive HTTP/1.1 connections spread evenly over the replicas:

- 50 % `GET /v1/scores/nodes/{pubkey}` (anonymous; the cached score, 200 hot nodes),
- 30 % `GET /v1/rankings?limit=20` (anonymous; the top nodes, by composite or a heuristic),
- 20 % `GET /v1/channels` (an API key: looked up in PostgreSQL on every request; 8 channels
  with their scores and latest decisions).

Needs the real services: Redis (REDIS_URL, default redis://127.0.0.1:6379/0) and PostgreSQL
(LNPILOT_BENCH_POSTGRES_URL, default postgresql://postgres@127.0.0.1:5432/test; a throw-away
database is created and dropped). The client shares the machine with the replicas, so the load
average is printed with the figures: on a shared machine it bounds what they can show.

    python benchmarks/api_replicas_bench.py [--small] [--base-port 19200]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench_support import KeepAliveConn, temp_database

HOST = "127.0.0.1"
NOW = 1_764_000_000
CHANNELS = 8
SORTS = ("composite", "centrality", "activity")


def _pubkey(i: int) -> str:
    return "02" + f"{i:064x}"


async def _seed(database: str, nodes: int) -> str:
    """Node scores, our channels with their scores and decisions, and a read key (returned)."""
    from lnpilot.domain.node import LocalChannel
    from lnpilot.domain.scores import HEURISTICS, CompositeScore, HeuristicScore
    from lnpilot.store import Store
    from lnpilot.store.cache import MemoryCache
    from lnpilot.store.records import DecisionRecord
    from lnpilot.store.score_cache import ScoreCache

    def score(subject: str, i: int) -> CompositeScore:
        heuristics = {
            n: HeuristicScore(n, float((i * (k + 3)) % 100), "bench") for k, n in enumerate(HEURISTICS)
        }
        return CompositeScore(subject, float(i % 1000) / 10, 1.0, "balanced", heuristics, NOW)

    store = await Store.open_url(database)
    try:
        cache = ScoreCache(MemoryCache())
        await cache.save(store, [score(_pubkey(i), i) for i in range(1, nodes + 1)])
        chan_ids = [(800_000 + i) << 40 | (7 << 16) | 1 for i in range(CHANNELS)]
        await cache.save(store, [score(str(c), i) for i, c in enumerate(chan_ids)], "channel")
        async with store.unit_of_work() as uow:
            await uow.channels.record_open(
                [
                    LocalChannel(c, f"{i:064x}:1", _pubkey(i + 1), 2_000_000, 1_000_000, 1_000_000, True)
                    for i, c in enumerate(chan_ids)
                ],
                NOW - 3600,
            )
            for c in chan_ids:
                for k in range(3):
                    await uow.decisions.add(
                        DecisionRecord(
                            NOW - 100 + k, "no_action", "balanced", "shadow", False, c, {}, ["bench"], 0.5
                        )
                    )
            _, key = await uow.api_keys.create("bench-read", "read", NOW)
        return key
    finally:
        await store.close()


def _ports(base: int, count: int) -> list[int]:
    if base:
        return [base + i for i in range(count)]
    ports = []
    for _ in range(count):
        with socket.socket() as sock:
            sock.bind((HOST, 0))
            ports.append(int(sock.getsockname()[1]))
    return ports


def _wait_ready(proc: subprocess.Popen[bytes], port: int, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/health", timeout=2):
                return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                err = proc.stderr.read().decode(errors="replace")[-2000:] if proc.stderr else ""
                raise SystemExit(f"replica on port {port} did not start: {err}") from None
            time.sleep(0.2)


@contextlib.contextmanager
def _replicas(ports: list[int], env: dict[str, str]) -> Iterator[None]:
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "lnpilot", "serve", "--host", HOST, "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for port in ports
    ]
    try:
        for proc, port in zip(procs, ports, strict=True):
            _wait_ready(proc, port)
        yield
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


@dataclass(frozen=True, slots=True)
class Mix:
    key: str
    hot: int = 200

    def requests(self, rng: random.Random) -> Iterator[tuple[str, str, str]]:
        """(kind, path, extra headers) forever, in the documented proportions."""
        keyed = f"Authorization: Bearer {self.key}\r\n"
        while True:
            roll = rng.random()
            if roll < 0.5:
                yield "score", f"/v1/scores/nodes/{_pubkey(rng.randint(1, self.hot))}", ""
            elif roll < 0.8:
                yield "rankings", f"/v1/rankings?limit=20&sort={rng.choice(SORTS)}", ""
            else:
                yield "channels", "/v1/channels", keyed


@dataclass
class Result:
    replicas: int
    rps: float
    p50_ms: float
    p99_ms: float
    n: int
    errors: int
    by_kind: dict[str, tuple[float, float]]  # kind -> (p50 ms, p99 ms)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return 1000 * ordered[int(q * (len(ordered) - 1))]


async def _drive(ports: list[int], mix: Mix, concurrency: int, warmup_s: float, seconds: float) -> Result:
    conns = [await KeepAliveConn.open(HOST, ports[i % len(ports)]) for i in range(concurrency)]
    latencies: dict[str, list[float]] = {"score": [], "rankings": [], "channels": []}
    errors = 0
    start = time.perf_counter()
    measure_from, stop_at = start + warmup_s, start + warmup_s + seconds

    async def worker(conn: KeepAliveConn, seed: int) -> None:
        nonlocal errors
        requests = mix.requests(random.Random(seed))
        while (now := time.perf_counter()) < stop_at:
            kind, path, headers = next(requests)
            status = await conn.request("GET", path, headers=headers)
            if now >= measure_from:  # requests sent during the warm-up are not counted
                latencies[kind].append(time.perf_counter() - now)
                errors += status != 200

    await asyncio.gather(*(worker(c, i) for i, c in enumerate(conns)))
    for c in conns:
        c.close()
    every = [x for values in latencies.values() for x in values]
    return Result(
        len(ports),
        len(every) / seconds,
        _pct(every, 0.5),
        _pct(every, 0.99),
        len(every),
        errors,
        {k: (_pct(v, 0.5), _pct(v, 0.99)) for k, v in latencies.items() if v},
    )


async def _warm_cache(port: int, mix: Mix) -> None:
    """Every hot score and ranking page asked once, untimed: the cache is in Redis and shared, so
    without this the first replica count would pay every miss and the next would find them warm."""
    conn = await KeepAliveConn.open(HOST, port)
    try:
        for i in range(1, mix.hot + 1):
            await conn.request("GET", f"/v1/scores/nodes/{_pubkey(i)}")
        for sort in SORTS:
            await conn.request("GET", f"/v1/rankings?limit=20&sort={sort}")
    finally:
        conn.close()


def _uptime() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--small", action="store_true", help="quick run (CI): 1 and 2 replicas, 5 s each")
    parser.add_argument("--base-port", type=int, default=0, help="first loopback port (default: any free)")
    parser.add_argument("--seconds", type=float, help="measured seconds per replica count")
    args = parser.parse_args()

    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    pg = os.environ.get("LNPILOT_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    counts = (1, 2) if args.small else (1, 2, 3)
    seconds = args.seconds or (5.0 if args.small else 20.0)
    warmup_s = 2.0 if args.small else 3.0
    nodes = 2_000 if args.small else 10_000
    concurrency = 16
    load_before = _uptime()
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as tmp, temp_database(pg, "postgresql+asyncpg") as database:
        key = asyncio.run(_seed(database, nodes))
        config = Path(tmp) / "lnpilot.toml"
        # No limit is reached (the counters still go to Redis on every request); keys are needed
        # for the channels only, as an operator's deployment would have it.
        config.write_text(
            "[api]\nrate_limit_per_minute = 100000000\npublic_reads = false\nready_cache_seconds = 60\n"
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LNPILOT_", "LND_", "LNBITS_"))}
        env.update(
            DATABASE_URL=database,
            REDIS_URL=redis_url,
            LNPILOT_CONFIG=str(config),
            LNPILOT_DATA_DIR=str(Path(tmp) / "data"),
            LNPILOT_LOG_LEVEL="WARNING",
        )
        mix = Mix(key)
        for count in counts:
            ports = _ports(args.base_port, count)
            with _replicas(ports, env):
                if not results:
                    asyncio.run(_warm_cache(ports[0], mix))
                results.append(asyncio.run(_drive(ports, mix, concurrency, warmup_s, seconds)))
    load_after = _uptime()
    one = results[0]
    print(
        f"api_replicas_bench ({'small' if args.small else 'full'}): {nodes} scored nodes, "
        f"{CHANNELS} channels, "
        f"read mix 50% score / 30% rankings / 20% channels (keyed), concurrency {concurrency}, "
        f"{seconds:.0f} s per count; {os.cpu_count()} CPUs; Redis + PostgreSQL shared"
    )
    print(f"  before: {load_before}; after: {load_after}")
    for r in results:
        kinds = "  ".join(f"{k} {p50:.1f}/{p99:.1f}" for k, (p50, p99) in r.by_kind.items())
        print(
            f"  {r.replicas} replica{'s' if r.replicas > 1 else ' '} {r.rps:8.0f} req/s  "
            f"{r.rps / r.replicas:7.0f} per replica  p50 {r.p50_ms:6.1f} ms  p99 {r.p99_ms:7.1f} ms  "
            f"RATIO {r.rps / one.rps:4.2f}x  ({r.n} requests, {r.errors} non-200; p50/p99 ms: {kinds})"
        )
    if any(r.errors for r in results):
        sys.exit("api_replicas_bench: some requests failed")


if __name__ == "__main__":
    main()
