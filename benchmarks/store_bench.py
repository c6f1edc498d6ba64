"""Store benchmarks: forwarding-event ingest (SQLite, PostgreSQL) and cached latest-score lookups.

Each figure is printed next to a reference measured in the same run on the same data:
- ingest: the repository's deduplicating ``add_many`` vs a raw driver ``executemany`` of the same
  rows with the same ON CONFLICT DO NOTHING into the same migrated table;
- cache: ``ScoreCache.latest`` (version lookup, get, decode into a CompositeScore) vs the bare get of
  the same bytes (a dict lookup in-process, one raw GET from Redis).

Targets (issue 6): 1,000,000 events in <= 30 s on SQLite and <= 60 s on PostgreSQL; latest score
p50 <= 0.2 ms in-process and <= 1 ms from Redis. PostgreSQL and Redis parts run when
LNPILOT_TEST_POSTGRES_URL / LNPILOT_TEST_REDIS_URL are set (or --postgres-url / --redis-url).

    python benchmarks/store_bench.py            # 1,000,000 events
    python benchmarks/store_bench.py --small    # 20,000 events (what CI runs)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from lnpilot.domain.node import ForwardingEvent  # noqa: E402
from lnpilot.domain.scores import HEURISTICS, CompositeScore, HeuristicScore  # noqa: E402
from lnpilot.store import Store  # noqa: E402
from lnpilot.store.cache import MemoryCache, RedisCache  # noqa: E402
from lnpilot.store.codec import chan_to_db  # noqa: E402
from lnpilot.store.score_cache import ScoreCache  # noqa: E402

_RAW_SQLITE = (
    "INSERT INTO forwarding_events (timestamp_ns, chan_id_in, chan_id_out, amt_in_msat, amt_out_msat, "
    "fee_msat) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
)
_RAW_PG = _RAW_SQLITE.replace("?, ?, ?, ?, ?, ?", "$1, $2, $3, $4, $5, $6")


def make_events(n: int, seed: int = 7) -> list[ForwardingEvent]:
    rng = random.Random(seed)
    chans = [(800_000 + i) << 40 | (i << 16) for i in range(200)]
    t0 = 1_700_000_000 * 1_000_000_000
    out = []
    for i in range(n):
        amt = rng.randrange(1_000, 5_000_000_000)
        fee = amt // 1_000_000 * rng.randrange(1, 2_000) + 1_000
        cin, cout = rng.sample(chans, 2)
        out.append(ForwardingEvent(t0 + i * 1_000_003, cin, cout, amt + fee, amt, fee))
    return out


def _rows(events: list[ForwardingEvent]) -> list[tuple[int, int, int, int, int, int]]:
    return [
        (
            e.timestamp_ns,
            chan_to_db(e.chan_id_in),
            chan_to_db(e.chan_id_out),
            e.amt_in_msat,
            e.amt_out_msat,
            e.fee_msat,
        )
        for e in events
    ]


async def ingest(url: str, events: list[ForwardingEvent]) -> float:
    store = await Store.open_url(url)
    try:
        start = time.perf_counter()
        async with store.unit_of_work() as uow:
            added = await uow.forwards.add_many(events)
        elapsed = time.perf_counter() - start
        assert added == len(events), (added, len(events))
        async with store.unit_of_work() as uow:  # a full re-sync: everything is a duplicate
            assert await uow.forwards.add_many(events[: len(events) // 10]) == 0
    finally:
        await store.close()
    return elapsed


async def migrated(url: str) -> None:
    store = await Store.open_url(url)
    await store.close()


def raw_sqlite(path: Path, events: list[ForwardingEvent]) -> float:
    asyncio.run(migrated(f"sqlite+aiosqlite:///{path}"))
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA cache_size=-32768")  # the store's own pragmas, for a like-for-like reference
    start = time.perf_counter()
    with conn:
        conn.executemany(_RAW_SQLITE, _rows(events))
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


async def raw_postgres(url: str, events: list[ForwardingEvent]) -> float:
    import asyncpg
    from sqlalchemy.engine import make_url

    await migrated(url)
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        start = time.perf_counter()
        async with conn.transaction():
            await conn.executemany(_RAW_PG, _rows(events))
        return time.perf_counter() - start
    finally:
        await conn.close()


async def _admin(url: str, sql: str) -> None:
    import asyncpg
    from sqlalchemy.engine import make_url

    conn = await asyncpg.connect(
        make_url(url).set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    )
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def fresh_pg(url: str) -> str:
    from sqlalchemy.engine import make_url

    name = f"lnpilot_bench_{secrets.token_hex(4)}"
    await _admin(url, f'CREATE DATABASE "{name}"')
    return (
        make_url(url)
        .set(drivername="postgresql+asyncpg", database=name)
        .render_as_string(hide_password=False)
    )


async def drop_pg(url: str, db_url: str) -> None:
    from sqlalchemy.engine import make_url

    await _admin(url, f'DROP DATABASE IF EXISTS "{make_url(db_url).database}" WITH (FORCE)')


def _score(i: int) -> CompositeScore:
    heuristics = {
        name: HeuristicScore(name, float(i % 100), f"{name}: measured", {"value": 1.0, "missing": None})
        for name in HEURISTICS
    }
    return CompositeScore(f"02{i:064x}", 55.5, 1.0, "balanced", heuristics, computed_at=1_700_000_000)


def _p50_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


async def cache_lookups(cache: MemoryCache | RedisCache, store: Store, lookups: int) -> tuple[float, float]:
    """(p50 ms of ScoreCache.latest, p50 ms of a bare get of the same cached bytes)."""
    scores = ScoreCache(cache)
    subjects = [_score(i).subject for i in range(200)]
    for subject in subjects:  # warm: every later lookup is a cache hit
        await scores.latest(store, subject)
    key = f"scores:v{await cache.counter('scores:version')}:latest:node:*:{subjects[0]}"
    ours, raw = [], []
    for i in range(lookups):
        subject = subjects[i % len(subjects)]
        start = time.perf_counter()
        found = await scores.latest(store, subject)
        ours.append(time.perf_counter() - start)
        assert found is not None
        start = time.perf_counter()
        await cache.get(key)
        raw.append(time.perf_counter() - start)
    return _p50_ms(ours), _p50_ms(raw)


async def cache_bench(tmp: Path, lookups: int, redis_url: str | None) -> None:
    store = await Store.open_url(f"sqlite+aiosqlite:///{tmp / 'scores.db'}")
    try:
        async with store.unit_of_work() as uow:
            await uow.scores.add_many([_score(i) for i in range(200)])
        memory_p50, dict_p50 = await cache_lookups(MemoryCache(), store, lookups)
        print(
            f"latest score, in-process cache: p50 {memory_p50:.4f} ms (target <= 0.2 ms); "
            f"bare dict get {dict_p50:.4f} ms; ratio {memory_p50 / dict_p50:.1f}x"
        )
        if redis_url:
            redis_cache = RedisCache(redis_url, prefix=f"lnpilot-bench-{secrets.token_hex(4)}:")
            try:
                redis_p50, get_p50 = await cache_lookups(redis_cache, store, lookups)
            finally:
                keys = [k async for k in redis_cache._redis.scan_iter(match=redis_cache._prefix + "*")]
                if keys:
                    await redis_cache._redis.delete(*keys)
                await redis_cache.aclose()
            print(
                f"latest score, Redis cache: p50 {redis_p50:.4f} ms (target <= 1 ms); "
                f"raw GET {get_p50:.4f} ms; ratio {redis_p50 / get_p50:.1f}x"
            )
        else:
            print("latest score, Redis cache: skipped (no LNPILOT_TEST_REDIS_URL / --redis-url)")
    finally:
        await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--small", action="store_true", help="20,000 events, 2,000 lookups (CI)")
    parser.add_argument("--events", type=int, default=None)
    parser.add_argument("--postgres-url", default=os.environ.get("LNPILOT_TEST_POSTGRES_URL"))
    parser.add_argument("--redis-url", default=os.environ.get("LNPILOT_TEST_REDIS_URL"))
    parser.add_argument("--repeat", type=int, default=2, help="best of N interleaved runs (noisy hosts)")
    args = parser.parse_args()
    n = args.events or (20_000 if args.small else 1_000_000)
    lookups = 2_000 if args.small else 20_000
    events = make_events(n)
    scale = 1_000_000 / n
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        raws, ours_runs = [], []
        for i in range(args.repeat):  # reference first, then ours, alternating; each on a fresh file
            raws.append(raw_sqlite(tmp / f"raw{i}.db", events))
            ours_runs.append(asyncio.run(ingest(f"sqlite+aiosqlite:///{tmp / f'ours{i}.db'}", events)))
        ours, raw = min(ours_runs), min(raws)
        print(
            f"ingest {n:,} events, SQLite (best of {args.repeat}): {ours:.2f} s "
            f"({ours * scale:.1f} s per 1M, target <= 30 s); raw sqlite3 executemany {raw:.2f} s; "
            f"ratio {ours / raw:.2f}x"
        )
        if args.postgres_url:

            async def pg() -> tuple[float, float]:
                raws_pg, ours_pg_runs = [], []
                for _ in range(args.repeat):
                    raw_url, ours_url = await fresh_pg(args.postgres_url), await fresh_pg(args.postgres_url)
                    try:
                        raws_pg.append(await raw_postgres(raw_url, events))
                        ours_pg_runs.append(await ingest(ours_url, events))
                    finally:
                        await drop_pg(args.postgres_url, ours_url)
                        await drop_pg(args.postgres_url, raw_url)
                return min(ours_pg_runs), min(raws_pg)

            ours_pg, raw_pg = asyncio.run(pg())
            print(
                f"ingest {n:,} events, PostgreSQL (best of {args.repeat}): {ours_pg:.2f} s "
                f"({ours_pg * scale:.1f} s per 1M, target <= 60 s); raw asyncpg executemany {raw_pg:.2f} s; "
                f"ratio {ours_pg / raw_pg:.2f}x"
            )
        else:
            print("ingest, PostgreSQL: skipped (no LNPILOT_TEST_POSTGRES_URL / --postgres-url)")
        asyncio.run(cache_bench(tmp, lookups, args.redis_url))


if __name__ == "__main__":
    main()
