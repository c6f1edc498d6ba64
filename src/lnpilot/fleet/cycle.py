"""One cycle of one fleet node, as a job worker runs it.

The worker takes the node's guard (``store.node_guard``), the very lock the single-node daemon,
``lnpilot apply`` and the API's apply take: this host's file lock on the node plus its database
lock (a PostgreSQL advisory lock on the node's public key), so at most one cycle per node runs
anywhere and no local ``lnpilot run``/``apply`` on the same node acts beside it. It reconciles
what an earlier cycle left in flight in the node's transaction log (a worker killed mid-cycle),
then runs the daemon's one cycle (``daemon.cycle.run_cycle``) with the guard held. A node whose
guard is held elsewhere is skipped, not waited for: its holder (another worker, a daemon, an
apply) is acting on that node right now, and the scheduler enqueues the next cycle anyway.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from typing import Any

from lnpilot.daemon.clock import Clock, SimnetClock, WallClock
from lnpilot.logs import get_logger
from lnpilot.metrics.registry import Metrics
from lnpilot.settings import Settings, select_node

log = get_logger(__name__)

DONE = "done"
SKIPPED = "skipped"


def node_clock(settings: Settings) -> Clock:
    """simnet nodes live on simnet's clock (their data is in simulated time); others on wall time."""
    if settings.backend == "simnet" and settings.lnd_rest_url is not None:
        from lnpilot.backends.factory import macaroon_hex

        return SimnetClock(str(settings.lnd_rest_url), macaroon_hex(settings), settings.lnd_tls_cert_path)
    return WallClock()


async def run_node_cycle(settings: Settings, node: str, metrics: Metrics | None = None) -> dict[str, Any]:
    """Run node ``node``'s cycle once; a JSON-ready outcome (``status`` done or skipped)."""
    from lnpilot.backends.factory import make_backend
    from lnpilot.daemon.cycle import CycleContext, run_cycle
    from lnpilot.execution.executor import Executor
    from lnpilot.execution.guard import node_guard
    from lnpilot.execution.observe import Observer
    from lnpilot.execution.plan import Mode
    from lnpilot.logctx import cycle_context
    from lnpilot.store import Store
    from lnpilot.store.cache import make_cache
    from lnpilot.store.node_lock import NodeLocked
    from lnpilot.store.repos.transaction_log import SqlTransactionLog
    from lnpilot.store.score_cache import ScoreCache

    s = select_node(settings, node)
    metrics = metrics or Metrics()
    clock = node_clock(s)
    backend = make_backend(s)
    store = await Store.open(s)
    scores = ScoreCache(make_cache(s))
    try:
        await clock.refresh()
        info = await backend.get_info()
        guard = node_guard(s, backend, store)
        try:
            await guard.acquire(f"fleet cycle of {node}")
        except NodeLocked as exc:
            log.info("fleet_cycle_skipped", node=node, reason=str(exc))
            return {"node": node, "status": SKIPPED, "pubkey": info.pub_key, "reason": str(exc)}
        try:
            executor = Executor(
                backend,
                SqlTransactionLog(store),
                pilot_channels=s.execution.pilot_channels,
                allow_close=s.limits.allow_close,
                profile=s.profile,
                clock=clock.now,
                observer=Observer(metrics),
                guard=guard,  # held for the whole cycle: the executor's applies pass through it
            )
            # What a worker killed mid-cycle left open is settled first, from the node's own state.
            settled = await executor.reconcile()
            ctx = CycleContext(
                settings=s,
                backend_name=s.backend,
                store=store,
                executor=executor,
                metrics=metrics,
                clock=clock,
                mode=Mode.parse(s.execution.mode),
                stop=asyncio.Event(),
                scores=scores,
            )
            with cycle_context() as cycle_id:
                report = await run_cycle(ctx, cycle_id)
        finally:
            await guard.release()
        return {
            "node": node,
            "status": DONE,
            "pubkey": info.pub_key,
            "reconciled": len(settled),
            "report": asdict(report),
        }
    finally:
        await scores.cache.aclose()
        await backend.aclose()
        await store.close()
        await clock.aclose()


def run_node_cycle_sync(node: str) -> dict[str, Any]:
    """The job body: settings from this worker's environment (``LNPILOT_CONFIG``), never from the
    message, so no credential ever travels through the broker."""
    from lnpilot.settings import load_settings

    return asyncio.run(run_node_cycle(load_settings(), node))
