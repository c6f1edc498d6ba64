"""Dashboard pages: server render time per page for 20 channels and 30 days of history.

The store is filled the way production fills it where that is fast enough: the live daemon runs
two cycles against simnet (20 channels, 300-node graph: real graph snapshot, node and channel
scores, policies, transactions, decisions), then the history is extended back to 30 days through
the store's repositories at the daemon's default cycle (every 10 min: a balance snapshot per
channel, forwards, a decision per channel copied from the daemon's own, a fee change per channel
every 8 h). Each page is requested through the app in process (ASGI: no network, so the time is
the server's), signed in with an admin key; the reference in the same run is ``GET /health``.

    python benchmarks/web_bench.py [--small]     # --small: 3 days of history (what CI runs)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

import httpx

DAY_S = 86_400
NS = 1_000_000_000
TARGET_MS = 200.0


async def _daemon_data(root: Path, channels: int) -> tuple[object, int]:
    from lnpilot.daemon.clock import SimnetClock
    from lnpilot.daemon.loop import Daemon
    from lnpilot.execution.plan import Mode
    from lnpilot.metrics.registry import Metrics
    from lnpilot.settings import Settings
    from lnpilot.simnet.testing import make_simulation, running_simnet

    sim = make_simulation(nodes=300, channels=channels, seed=11)
    with running_simnet(root / "simnet", sim=sim) as handle:
        settings = Settings(
            backend="simnet",
            data_dir=root,
            database_url=f"sqlite+aiosqlite:///{root / 'web.db'}",
            lnd_rest_url=handle.url,
            lnd_tls_cert_path=handle.tls_cert_path,
            lnd_macaroon_path=handle.admin_macaroon_path,
            log_level="WARNING",
            execution={"mode": "live"},
            daemon={"cycle_seconds": 6 * 3600, "graph_refresh_seconds": 7 * DAY_S},
        )
        clock = SimnetClock(handle.url, handle.macaroon_hex(), handle.tls_cert_path)
        daemon = Daemon(settings, clock=clock, metrics=Metrics(), mode=Mode.LIVE)
        await daemon.run(max_cycles=2)
        now = handle.sim.now_s
    return served_settings(root), now


def served_settings(root: Path) -> object:
    """The store's settings as the dashboard serves it: without a node (the overview reports it not
    configured), at the history's 10-min cycle."""
    from lnpilot.settings import Settings

    return Settings(
        backend="simnet",
        data_dir=root,
        database_url=f"sqlite+aiosqlite:///{root / 'web.db'}",
        log_level="WARNING",
        execution={"mode": "live"},
        daemon={"cycle_seconds": 600.0, "graph_refresh_seconds": 7 * DAY_S},
    )


async def _extend_history(settings: object, now: int, days: float, cycle_s: int) -> dict[str, int]:
    from lnpilot.domain.channel_view import PolicyChange
    from lnpilot.domain.node import ForwardingEvent, LocalChannel
    from lnpilot.store import Store

    rng = random.Random(7)
    store = await Store.open(settings)  # type: ignore[arg-type]
    counts = {"snapshots": 0, "forwards": 0, "decisions": 0, "policy_changes": 0}
    try:
        async with store.unit_of_work() as uow:
            tracked = await uow.channels.all()
            templates = {c.chan_id: await uow.decisions.search(chan_id=c.chan_id, limit=1) for c in tracked}
            policies = {c.chan_id: await uow.policies.current(c.chan_id) for c in tracked}
            first = min(c.first_seen_at for c in tracked)
        start = int(now - days * DAY_S)
        ids = [c.chan_id for c in tracked]
        async with store.unit_of_work() as uow:
            for k, t in enumerate(range(start, first, cycle_s)):
                phase = k / 144
                snaps = [
                    LocalChannel(
                        chan_id=c.chan_id,
                        channel_point=c.channel_point,
                        remote_pubkey=c.remote_pubkey,
                        capacity_sat=c.capacity_sat,
                        local_balance_sat=int(c.capacity_sat * (0.5 + 0.4 * ((phase + i / 7) % 1 - 0.5))),
                        remote_balance_sat=int(c.capacity_sat * (0.5 - 0.4 * ((phase + i / 7) % 1 - 0.5))),
                        active=True,
                        private=c.private,
                        initiator=c.initiator,
                        uptime_s=t - start,
                        lifetime_s=t - start,
                    )
                    for i, c in enumerate(tracked)
                ]
                counts["snapshots"] += await uow.channels.add_snapshots(snaps, t)
                events = []
                for j in range(rng.randint(0, 4)):
                    a, b = rng.sample(ids, 2)
                    amount = rng.randint(10_000, 2_000_000) * 1000
                    fee = amount // 10_000 + 1000
                    events.append(ForwardingEvent((t + j) * NS, a, b, amount + fee, amount, fee))
                counts["forwards"] += await uow.forwards.add_many(events)
                for c in tracked:
                    template = templates[c.chan_id]
                    if template:
                        await uow.decisions.add(replace(template[0], id=None, created_at=t))
                        counts["decisions"] += 1
                    policy = policies[c.chan_id]
                    if policy is not None and k % 48 == 0:
                        new = replace(policy, fee_rate_ppm=policy.fee_rate_ppm + (k // 48) % 5)
                        await uow.policies.add(c.chan_id, PolicyChange(t, policy, new, "lnpilot"))
                        counts["policy_changes"] += 1
    finally:
        await store.close()
    return counts


PAGES = {
    "overview": "/ui/",
    "channels": "/ui/channels",
    "channel": "/ui/channels/{chan}",
    "decisions": "/ui/decisions",
    "transactions": "/ui/transactions",
    "rebalances": "/ui/rebalances",
    "suggestions": "/ui/suggestions",
    "graph search": "/ui/graph?q=node-0001",
    "graph node": "/ui/graph/{node}",
}


@asynccontextmanager
async def _serving(settings: object, now: int) -> AsyncIterator[tuple[object, float]]:
    """`lnpilot serve`'s app on fresh services, started as uvicorn starts it (the lifespan), once
    its warm-up is done; yields the app and how long the warm-up took (ms)."""
    from lnpilot.api.app import create_app
    from lnpilot.api.services import ApiServices

    services = await ApiServices.from_settings(settings)  # type: ignore[arg-type]
    services.clock = lambda: float(now)
    app = create_app(settings, services)  # type: ignore[arg-type]
    try:
        async with app.router.lifespan_context(app):
            started = time.perf_counter()
            if app.state.web.warming is not None:
                await app.state.web.warming
            yield app, (time.perf_counter() - started) * 1000
    finally:
        await services.aclose()


async def _client(app: object, key: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench")  # type: ignore[arg-type]
    form = await client.get("/ui/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf is not None
    signed = await client.post("/ui/login", data={"secret": key, "csrf": csrf.group(1), "next": "/ui/"})
    assert signed.status_code == 303, signed.text
    return client


Timing = tuple[float, float]  # (wall ms, CPU ms of this process: the server's threads included)


async def _timed(client: httpx.AsyncClient, path: str, headers: dict[str, str] | None = None) -> Timing:
    started, cpu = time.perf_counter(), time.process_time()
    answer = await client.get(path, headers=headers)
    elapsed = (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000
    assert answer.status_code == 200, (path, answer.status_code)
    return elapsed


def _median(samples: list[Timing]) -> Timing:
    return statistics.median(w for w, _ in samples), statistics.median(c for _, c in samples)


async def _measure(
    settings: object, now: int, repeat: int
) -> tuple[dict[str, tuple[Timing, Timing]], dict[str, Timing], list[float]]:
    """Per page: cold (the first render on a server just started: new services, new app, nothing
    rendered before; after the sign-in, which every visit needs) and warm (the median of the next
    renders). References (the JSON API, same store, same run) on a server of their own."""
    from lnpilot.store import Store

    store = await Store.open(settings)  # type: ignore[arg-type]
    try:
        async with store.unit_of_work() as uow:
            _, key = await uow.api_keys.create("bench", "admin", int(time.time()))
            chan = (await uow.channels.all())[0].chan_id
            node = (await uow.scores.ranking(limit=1))[0].subject
    finally:
        await store.close()
    headers = {"X-API-Key": key}
    references = {
        "GET /health": "/health",
        "GET /v1/channels": "/v1/channels",
        "GET /v1/pnl (30 d)": f"/v1/pnl?since={now - 30 * DAY_S}&until={now + 1}",
    }
    refs = {}
    async with _serving(settings, now) as (app, _):
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://b")  # type: ignore[arg-type]
        try:
            for name, path in references.items():
                await _timed(client, path, headers)
                refs[name] = _median([await _timed(client, path, headers) for _ in range(repeat)])
        finally:
            await client.aclose()
    results, warm_ups = {}, []
    for name, template in PAGES.items():
        path = template.format(chan=chan, node=node)
        async with _serving(settings, now) as (app, warm_up_ms):
            warm_ups.append(warm_up_ms)
            client = await _client(app, key)
            try:
                cold = await _timed(client, path)
                results[name] = (cold, _median([await _timed(client, path) for _ in range(repeat)]))
            finally:
                await client.aclose()
    return results, refs, warm_ups


async def build(root: Path, days: float) -> tuple[object, int]:
    """Fill a store under ``root`` (or reuse the one a previous ``--store`` run left there)."""
    stamp = root / "bench-now"
    if stamp.exists() and (root / "web.db").exists():
        print(f"store: reusing {root} (built by an earlier run)")
        return served_settings(root), int(stamp.read_text())
    started = time.perf_counter()
    settings, now = await _daemon_data(root, 20)
    counts = await _extend_history(settings, now, days, 600)
    stamp.write_text(str(now))
    print(
        f"store: 20 channels, {days:g} days at a 10-min cycle ({counts}), "
        f"built in {time.perf_counter() - started:.0f} s"
    )
    return settings, now


async def main(small: bool, store_dir: str | None) -> None:
    from lnpilot.logs import configure_logging

    configure_logging("console", "WARNING")  # the daemon's cycles log every node call at DEBUG
    days = 3.0 if small else 30.0
    with tempfile.TemporaryDirectory(prefix="web-bench-") as tmp:
        root = Path(store_dir) if store_dir else Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        settings, now = await build(root, days)
        load = os.getloadavg()[0]
        results, refs, warm_ups = await _measure(settings, now, repeat=3 if small else 7)
    print(
        f"load average before the measurements: {load:.1f} on {os.cpu_count()} cores "
        "(wall times scale with it)"
    )
    for name, (wall, cpu) in refs.items():
        print(f"reference {name:<22}{wall:8.1f} ms wall, {cpu:7.1f} ms CPU (median)")
    print(
        f"server warm-up at start (graph snapshot parsed, peers ranked; not awaited by the server): "
        f"median {statistics.median(warm_ups):.0f} ms"
    )
    ref = refs["GET /v1/channels"][0]
    print(
        "wall: the request's elapsed time in the server (in process, no network); CPU: this process's "
        "CPU time over it (all threads): what the request cost, without the wait for a core when "
        "the machine is shared"
    )
    print(
        f"{'page':<14}{'cold wall':>10}{'cold CPU':>9}{'warm wall':>10}{'warm CPU':>9}"
        f"{'warm / v1/channels':>20}  target <= {TARGET_MS:.0f} ms (wall; CPU)"
    )
    for name, ((cw, cc), (ww, wc)) in results.items():
        wall_ok = "ok" if max(cw, ww) <= TARGET_MS else "OVER"
        cpu_ok = "ok" if max(cc, wc) <= TARGET_MS else "OVER"
        print(f"{name:<14}{cw:>10.1f}{cc:>9.1f}{ww:>10.1f}{wc:>9.1f}{ww / ref:>20.2f}  {wall_ok}; {cpu_ok}")
    colds, warms = [c for c, _ in results.values()], [w for _, w in results.values()]
    print(
        f"slowest page: cold {max(c[0] for c in colds):.1f} ms wall ({max(c[1] for c in colds):.1f} ms CPU), "
        f"warm {max(w[0] for w in warms):.1f} ms wall ({max(w[1] for w in warms):.1f} ms CPU)"
    )
    print(f"load average after the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="3 days of history instead of 30")
    parser.add_argument("--store", help="keep the store in this directory and reuse it on the next run")
    args = parser.parse_args()
    asyncio.run(main(args.small, args.store))
