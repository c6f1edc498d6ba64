"""Issue 20: the daemon stays subscribed to simnet's HTLC events and stores simnet's liquidity failures."""

from __future__ import annotations

import asyncio
from pathlib import Path

from lnpilot.execution.plan import Mode
from lnpilot.simnet.testing import running_simnet
from lnpilot.store import Store
from tests.daemon.daemon_env import control, daemon_settings, make_daemon

_NS = 1_000_000_000


async def test_a_daemon_run_stores_simnet_s_liquidity_failures_per_channel(tmp_path: Path) -> None:
    with running_simnet(tmp_path / "lnd") as handle:
        settings = daemon_settings(handle, tmp_path / "data")
        daemon = make_daemon(handle, settings, Mode.SHADOW)
        await daemon.start()
        try:
            sub = daemon.htlc_subscriber
            assert sub is not None
            while sub.connections == 0:
                await asyncio.sleep(0.05)
            for _ in range(3):
                assert await daemon.cycle() is not None
                await daemon.clock.wait(settings.daemon.cycle_seconds, daemon.stop)
            target = handle.sim.htlc_events.last_seq
            for _ in range(1200):  # the stream delivers what the clock's last advance produced
                if sub.events_seen >= target:
                    break
                await asyncio.sleep(0.05)
            assert sub.events_seen == target
            await daemon.stop_htlc_subscription()
            truth = control(handle, "GET", "/simnet/truth/failures")["failed_for_liquidity"]
            expected = {int(c): n for c, n in truth.items() if n}
            assert sum(expected.values()) > 0
            store = await Store.open(settings)
            try:
                async with store.unit_of_work() as uow:
                    stored = await uow.htlc.liquidity_counts(0, 2**62)
                    windows = await uow.htlc.windows(0, 2**62)
            finally:
                await store.close()
            assert stored == expected
            assert len(windows) == 1 and windows[0].end_reason == "stopped"
        finally:
            await daemon.close()
