"""execution: what the crash-safe path costs, against simnet over HTTPS.

Two ratios against references measured in the same run:

* ``logged / bare``: a live batch through the Executor (read live policy, commit backup and
  in-flight mark to SQLite, send, read back, commit the result, close the transaction) against
  the same complete policies sent straight to the backend (``update_channel_policy``, which also
  reads back). The difference is the transaction log and the extra live read.
* ``assess / scan``: the automatic-rollback verdict over a node's forwards against one plain pass
  summing the same forwards' fees.

``--small`` (CI): 4 channels x 2 rounds, 20,000 forwards; full: 20 channels x 5 rounds, 500,000.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from lnpilot.backends.lnd import LndRestBackend
from lnpilot.domain.node import ForwardingEvent
from lnpilot.execution.actions import PolicyChange
from lnpilot.execution.auto_rollback import assess
from lnpilot.execution.executor import Executor
from lnpilot.execution.plan import Mode
from lnpilot.logs import configure_logging
from lnpilot.simnet.testing import running_simnet
from lnpilot.store import Store
from lnpilot.store.repos.transaction_log import SqlTransactionLog

DAY = 86_400


async def policy_paths(channels: int, rounds: int, workdir: Path) -> tuple[float, float]:
    with running_simnet(workdir / "lnd", nodes=150, channels=channels, seed=2) as handle:
        backend = LndRestBackend(handle.url, handle.macaroon_hex(), handle.tls_cert_path)
        store = await Store.open_url(f"sqlite+aiosqlite:///{workdir / 'bench.db'}")
        try:
            executor = Executor(backend, SqlTransactionLog(store), clock=lambda: handle.sim.now_s)
            live = await backend.list_channels()
            base = {c.channel_point: await backend.get_policy(c.channel_point) for c in live}
            bare_s = logged_s = 0.0
            for r in range(rounds):
                # Distinct fees per round and path so that no update is skipped as unchanged.
                bare = {p: replace(v, fee_rate_ppm=v.fee_rate_ppm + 2 * r + 1) for p, v in base.items()}
                start = time.perf_counter()
                for point, policy in bare.items():
                    await backend.update_channel_policy(point, policy)
                bare_s += time.perf_counter() - start
                changes = [
                    PolicyChange(
                        c.chan_id,
                        c.channel_point,
                        replace(
                            base[c.channel_point], fee_rate_ppm=base[c.channel_point].fee_rate_ppm + 2 * r + 2
                        ),
                    )
                    for c in live
                ]
                start = time.perf_counter()
                batch = await executor.apply(changes, Mode.LIVE)
                logged_s += time.perf_counter() - start
                if not batch.ok:
                    raise SystemExit(f"batch failed: {batch.to_dict()}")
            return bare_s, logged_s
        finally:
            await store.close()
            await backend.aclose()


def forwards(count: int, chans: int, seed: int = 3) -> list[ForwardingEvent]:
    rng = random.Random(seed)
    t0 = 1_750_000_000 - DAY
    return [
        ForwardingEvent(
            (t0 + rng.randint(0, 2 * DAY - 1)) * 10**9,
            0,
            rng.randint(1, chans),
            10**6,
            10**6,
            rng.randint(1, 5000),
        )
        for _ in range(count)
    ]


def assess_vs_scan(events: list[ForwardingEvent], chans: int) -> tuple[float, float]:
    start = time.perf_counter()
    total = 0
    for e in events:
        total += e.fee_msat
    scan_s = time.perf_counter() - start
    start = time.perf_counter()
    result = assess(
        chan_id=1,
        changed_at_s=1_750_000_000,
        now_s=1_750_000_000 + DAY,
        window_s=DAY,
        forwards=events,
        control_chan_ids=range(2, chans + 1),
        drop_threshold=0.5,
        min_forwards=10,
    )
    assess_s = time.perf_counter() - start
    assert result.verdict.value in {"keep", "rollback", "insufficient_data"} and total > 0
    return scan_s, assess_s


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="CI size")
    args = parser.parse_args(argv)
    configure_logging("console", "WARNING")
    channels, rounds, n_forwards = (4, 2, 20_000) if args.small else (20, 5, 500_000)
    with tempfile.TemporaryDirectory() as tmp:
        bare_s, logged_s = asyncio.run(policy_paths(channels, rounds, Path(tmp)))
    updates = channels * rounds
    print(
        f"policy updates: {updates} bare {bare_s / updates * 1000:.1f} ms each, "
        f"logged {logged_s / updates * 1000:.1f} ms each -> logged / bare = {logged_s / bare_s:.2f}x"
    )
    scan_s, assess_s = assess_vs_scan(forwards(n_forwards, channels), channels)
    print(
        f"auto-rollback verdict over {n_forwards} forwards: {assess_s * 1000:.1f} ms -> "
        f"assess / scan = {assess_s / scan_s:.1f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
