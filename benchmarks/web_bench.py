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
from dataclasses import replace
from pathlib import Path

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
    # Served without a node (the overview reports it not configured), at the history's 10-min cycle.
    daemon = settings.daemon.model_copy(update={"cycle_seconds": 600.0})
    return settings.model_copy(update={"lnd_rest_url": None, "daemon": daemon}), now


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


async def _measure(
    settings: object, now: int, repeat: int
) -> tuple[dict[str, tuple[float, float]], dict[str, float]]:
    import httpx

    from lnpilot.api.app import create_app
    from lnpilot.api.services import ApiServices

    services = await ApiServices.from_settings(settings)  # type: ignore[arg-type]
    services.clock = lambda: float(now)
    async with services.store.unit_of_work() as uow:
        _, key = await uow.api_keys.create("bench", "admin", int(time.time()))
        chan = (await uow.channels.all())[0].chan_id
        node = (await uow.scores.ranking(limit=1))[0].subject
    app = create_app(settings, services)  # type: ignore[arg-type]
    pages = {
        "overview": "/ui/",
        "channels": "/ui/channels",
        "channel": f"/ui/channels/{chan}",
        "decisions": "/ui/decisions",
        "transactions": "/ui/transactions",
        "rebalances": "/ui/rebalances",
        "suggestions": "/ui/suggestions",
        "graph search": "/ui/graph?q=node-0001",
        "graph node": f"/ui/graph/{node}",
    }
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
        form = await client.get("/ui/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert csrf is not None
        signed = await client.post("/ui/login", data={"secret": key, "csrf": csrf.group(1), "next": "/ui/"})
        assert signed.status_code == 303, signed.text

        async def timed(path: str) -> float:
            started = time.perf_counter()
            answer = await client.get(path)
            elapsed = (time.perf_counter() - started) * 1000
            assert answer.status_code == 200, (path, answer.status_code)
            return elapsed

        headers = {"X-API-Key": key}
        references = {
            "GET /health": "/health",
            "GET /v1/channels": "/v1/channels",
            "GET /v1/pnl (30 d)": f"/v1/pnl?since={now - 30 * DAY_S}&until={now + 1}",
        }
        refs = {}
        for name, path in references.items():
            await client.get(path, headers=headers)
            samples = []
            for _ in range(repeat):
                started = time.perf_counter()
                assert (await client.get(path, headers=headers)).status_code == 200, path
                samples.append((time.perf_counter() - started) * 1000)
            refs[name] = statistics.median(samples)
        results = {}
        for name, path in pages.items():
            # cold: the first render (templates compiled, graph aliases parsed, the ledger read);
            # warm: the median of the next ones (caches keyed by the store's data hold).
            cold = await timed(path)
            results[name] = (cold, statistics.median([await timed(path) for _ in range(repeat)]))
    await services.aclose()
    return results, refs


async def main(small: bool) -> None:
    days = 3.0 if small else 30.0
    with tempfile.TemporaryDirectory(prefix="web-bench-") as tmp:
        started = time.perf_counter()
        settings, now = await _daemon_data(Path(tmp), 20)
        counts = await _extend_history(settings, now, days, 600)
        print(
            f"store: 20 channels, {days:g} days at a 10-min cycle ({counts}), "
            f"built in {time.perf_counter() - started:.0f} s"
        )
        results, refs = await _measure(settings, now, repeat=3 if small else 7)
    load = os.getloadavg()[0]
    print(f"load average during the run: {load:.1f} on {os.cpu_count()} cores (times scale with it)")
    for name, ms in refs.items():
        print(f"reference {name:<22}{ms:8.1f} ms (median)")
    ref = refs["GET /v1/channels"]
    print(f"{'page':<14}{'cold ms':>9}{'warm ms':>9}{'warm / v1/channels':>20}  target <= {TARGET_MS:.0f} ms")
    for name, (cold, warm) in results.items():
        verdict = "ok" if max(cold, warm) <= TARGET_MS else "OVER"
        print(f"{name:<14}{cold:>9.1f}{warm:>9.1f}{warm / ref:>20.2f}  {verdict}")
    cold_max = max(c for c, _ in results.values())
    warm_max = max(w for _, w in results.values())
    print(f"slowest page: cold {cold_max:.1f} ms, warm {warm_max:.1f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="3 days of history instead of 30")
    asyncio.run(main(parser.parse_args().small))
