"""Score history growth: bytes per node-month in SQLite, hourly cycles, a share of nodes changing.

Writes ``--nodes`` node scores every hour for ``--days`` days (each cycle ``--change`` of the nodes
get a new score, the rest repeat theirs), applies retention/compaction at the end, and prints the
database bytes per node-month. Runs against whatever ``lnpilot`` is importable, so the same script
measures an older checkout (``PYTHONPATH=old/src``) for the before/after ratio. ``--small``: CI size.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import tempfile
import time
from pathlib import Path

from lnpilot.domain.scores import HEURISTICS, CompositeScore, HeuristicScore
from lnpilot.store import Store

HOUR = 3600
DAY = 86_400


def _score(subject: str, rng: random.Random, at: int) -> CompositeScore:
    heuristics = {
        name: HeuristicScore(
            name=name,
            score=round(rng.random(), 4),
            reason=f"{name}: measured from the graph snapshot, percentile of the network",
            components={
                "value": rng.random() * 1e6,
                "percentile": rng.random(),
                "peers": float(rng.randint(1, 900)),
            },
        )
        for name in HEURISTICS
    }
    return CompositeScore(subject, round(rng.random(), 4), 1.0, "balanced", heuristics, at)


async def run(nodes: int, days: int, change: float, path: Path) -> tuple[int, float]:
    store = await Store.open_url(f"sqlite+aiosqlite:///{path}")
    rng = random.Random(7)
    subjects = [f"02{i:064x}" for i in range(nodes)]
    current = {s: _score(s, rng, 0) for s in subjects}
    start = 1_790_000_000
    began = time.perf_counter()
    try:
        for hour in range(days * 24):
            at = start + hour * HOUR
            for s in subjects:
                if hour == 0 or rng.random() < change:
                    current[s] = _score(s, rng, at)
            batch = [
                CompositeScore(c.subject, c.composite, c.coverage, c.profile, c.heuristics, at)
                for c in current.values()
            ]
            async with store.unit_of_work() as uow:
                await uow.scores.add_many(batch, "node")
        await store.prune(start + days * DAY)
    finally:
        await store.close()
    spent = time.perf_counter() - began
    with sqlite3.connect(path) as conn:
        conn.execute("VACUUM")
        pages = (
            conn.execute("PRAGMA page_count").fetchone()[0] * conn.execute("PRAGMA page_size").fetchone()[0]
        )
        rows = conn.execute("SELECT count(*) FROM score_history").fetchone()[0]
    print(f"score_history rows: {rows}")
    return pages, spent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true", help="20 nodes x 10 days (what CI runs)")
    parser.add_argument("--nodes", type=int, default=100)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument(
        "--change", type=float, default=0.2, help="share of nodes whose score changes per hour"
    )
    args = parser.parse_args()
    nodes, days = (20, 10) if args.small else (args.nodes, args.days)
    with tempfile.TemporaryDirectory() as tmp:
        empty, _ = asyncio.run(run(0, 1, args.change, Path(tmp) / "empty.db"))
        size, spent = asyncio.run(run(nodes, days, args.change, Path(tmp) / "scores.db"))
    per_node_month = (size - empty) / nodes * 30 / days
    print(f"{nodes} nodes x {days} days hourly, {args.change:.0%} changing per hour: {spent:.1f} s")
    print(f"database growth: {size - empty} bytes; {per_node_month / 1024:.1f} KiB per node-month")
    print(f"reference (empty database): {empty} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
