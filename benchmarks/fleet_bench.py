"""Fleet and job throughput: node cycles per minute on 1 and 2 workers, arena seeds per minute
locally and on 2 workers, each ratio against its reference measured in the same run.

Needs the real services: RabbitMQ (LNPILOT_BROKER_URL, default amqp://guest:guest@127.0.0.1:5672/),
Redis (REDIS_URL, default redis://127.0.0.1:6379/0) and PostgreSQL (LNPILOT_BENCH_POSTGRES_URL,
default postgresql://postgres@127.0.0.1:5432/test; a throw-away database is created and dropped).
The load average is printed with the figures: on a shared machine it bounds what they can show.

    python benchmarks/fleet_bench.py [--small]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from bench_support import temp_database

NS_DAY = 86_400
CYCLE_S = 21_600


def _advance(handles: dict[str, Any], seconds: int) -> None:
    from lnpilot.daemon.clock import SimnetClock

    async def go() -> None:
        for h in handles.values():
            clock = SimnetClock(h.url, h.macaroon_hex(), h.tls_cert_path)
            try:
                await clock.wait(seconds, asyncio.Event())
            finally:
                await clock.aclose()

    asyncio.run(go())


def _toml(path: Path, database: str, handles: dict[str, Any]) -> None:
    lines = [f'database_url = "{database}"']
    for name, h in handles.items():
        lines += [
            f"[nodes.{name}]",
            'backend = "simnet"',
            f'lnd_rest_url = "{h.url}"',
            f'lnd_tls_cert_path = "{h.tls_cert_path}"',
            f'lnd_macaroon_path = "{h.admin_macaroon_path}"',
            f'data_dir = "{path.parent / name}"',
            f"[nodes.{name}.execution]",
            'mode = "live"',
            f"[nodes.{name}.daemon]",
            f"cycle_seconds = {CYCLE_S}",
        ]
    path.write_text("\n".join(lines) + "\n")


def _cycles_per_minute(
    settings: Any, config: Any, handles: dict[str, Any], workers: int, rounds: int
) -> float:
    from lnpilot.fleet.scheduler import Scheduler, job_outcome
    from lnpilot.jobs.arena import start_local_workers, stop_workers
    from lnpilot.jobs.engine import make_engine

    engine = make_engine(config)
    procs = start_local_workers(workers, config)
    now = [0.0]
    scheduler = Scheduler(settings, engine, clock=lambda: now[0])
    try:
        elapsed = 0.0
        for _ in range(rounds):
            _advance(handles, CYCLE_S)  # the simulated traffic is not the fleet's cost: untimed
            now[0] += CYCLE_S
            start = time.perf_counter()
            for message in scheduler.tick():
                outcome = job_outcome(engine, message, timeout_s=1800)
                if outcome is None or outcome["status"] != "done":
                    raise SystemExit(f"a cycle did not finish: {outcome}")
            elapsed += time.perf_counter() - start
        return rounds * len(handles) / elapsed * 60
    finally:
        stop_workers(procs)
        engine.close()


def _arena_per_minute(config: Any, specs: list[Any], workers: int) -> float:
    from lnpilot.arena.runner import run_one
    from lnpilot.jobs.arena import run_on_workers, start_local_workers, stop_workers

    if workers == 0:
        start = time.perf_counter()
        for spec in specs:
            run_one(spec)
        return len(specs) / (time.perf_counter() - start) * 60
    procs = start_local_workers(workers, config)  # started (imports, JIT) before the clock runs
    try:
        start = time.perf_counter()
        run_on_workers(specs, config, workers=0)
        return len(specs) / (time.perf_counter() - start) * 60
    finally:
        stop_workers(procs)


def _cleanup_queues(config: Any) -> None:
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(config.broker_url))
    try:
        channel = connection.channel()
        for queue in config.queues:
            for suffix in ("", ".DQ", ".XQ"):
                channel.queue_delete(queue=queue + suffix)
    finally:
        connection.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", action="store_true", help="3 nodes, 2 timed rounds, 2 arena seeds")
    args = parser.parse_args()

    from lnpilot.arena.types import GraphSpec, RunSpec
    from lnpilot.jobs.engine import JobConfig
    from lnpilot.logs import configure_logging
    from lnpilot.settings import load_settings
    from lnpilot.simnet.testing import running_simnet

    configure_logging("console", "WARNING")
    broker = os.environ.get("LNPILOT_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672/")
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    pg = os.environ.get("LNPILOT_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    config = JobConfig(broker, redis_url, f"lnpilot-bench-{uuid.uuid4().hex[:8]}")
    nodes, rounds = (3, 2) if args.small else (6, 4)
    graph_nodes, channels = (60, 4) if args.small else (150, 6)
    load_before = os.getloadavg()
    try:
        with (
            tempfile.TemporaryDirectory() as tmp,
            temp_database(pg) as database,
            contextlib.ExitStack() as stack,
        ):
            handles = {
                f"n{i}": stack.enter_context(
                    running_simnet(Path(tmp) / f"n{i}", nodes=graph_nodes, channels=channels, seed=20 + i)
                )
                for i in range(nodes)
            }
            _advance(handles, NS_DAY)
            config_path = Path(tmp) / "fleet.toml"
            _toml(config_path, database, handles)
            os.environ.update(LNPILOT_CONFIG=str(config_path), LNPILOT_BROKER_URL=broker, REDIS_URL=redis_url)
            settings = load_settings()
            _cycles_per_minute(settings, config, handles, 1, 1)  # first sync and graph: warm-up, untimed
            one = _cycles_per_minute(settings, config, handles, 1, rounds)
            two = _cycles_per_minute(settings, config, handles, 2, rounds)
            print(f"  node cycles per minute: 1 worker {one:.1f}, 2 workers {two:.1f}", flush=True)
        os.environ.pop("LNPILOT_CONFIG")  # the arena workers need no fleet (its files are gone)
        seeds = 2 if args.small else 6
        specs = [
            RunSpec("static-lnd", seed, GraphSpec(nodes=80 if args.small else 150), channels=4, days=1.0)
            for seed in range(1, seeds + 1)
        ]
        _arena_per_minute(config, specs[:1], 0)  # warm the graph cache and the JIT
        local = _arena_per_minute(config, specs, 0)
        remote = _arena_per_minute(config, specs, 2)
    finally:
        _cleanup_queues(config)
    load_after = os.getloadavg()
    cpus = os.cpu_count()
    print(
        f"fleet bench ({'small' if args.small else 'full'}): {nodes} simnet nodes of {graph_nodes}, "
        f"{channels} channels, {rounds} timed rounds; {cpus} CPUs"
    )
    print(f"  load average before {load_before[0]:.1f}, after {load_after[0]:.1f} (1 min)")
    print(f"  node cycles per minute, 1 worker   {one:7.1f}  (reference 1.00x)")
    print(f"  node cycles per minute, 2 workers  {two:7.1f}  {two / one:6.2f}x")
    print(f"  arena seeds per minute, local      {local:7.1f}  (reference 1.00x)")
    print(f"  arena seeds per minute, 2 workers  {remote:7.1f}  {remote / local:6.2f}x")


if __name__ == "__main__":
    main()
