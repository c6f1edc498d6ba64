"""Issue 20: the daemon stays subscribed to simnet's HTLC events and stores simnet's liquidity failures."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from lnpilot.cli.main import main
from lnpilot.execution.plan import Mode
from lnpilot.simnet.testing import running_simnet
from lnpilot.store import Store
from tests.daemon.daemon_env import control, daemon_settings, make_daemon

_NS = 1_000_000_000


async def test_a_daemon_run_stores_simnet_s_liquidity_failures_per_channel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
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
            # The CLI shows the same counts per channel, with what they cost at our fees.
            monkeypatch.setenv("LNPILOT_DATA_DIR", str(settings.data_dir))
            monkeypatch.setenv("DATABASE_URL", settings.database_url_effective)
            capsys.readouterr()
            assert await asyncio.to_thread(main, ["failures", "--json", "--days", "36500"]) == 0
            shown = json.loads(capsys.readouterr().out)
            assert shown["known"] is True
            assert {
                int(r["chan_id"]): r["failed_for_liquidity"]
                for r in shown["channels"]
                if r["failed_for_liquidity"]
            } == expected
        finally:
            await daemon.close()


async def test_stored_views_carry_failed_for_liquidity_and_it_changes_a_decision(tmp_path: Path) -> None:
    """The real-LND-shaped path: the daemon's stored views (LND REST + HTLC stream), then the engine."""
    from dataclasses import replace

    from lnpilot.decisions.engine import DecisionEngine
    from lnpilot.views import stored_views

    with running_simnet(tmp_path / "lnd") as handle:
        settings = daemon_settings(handle, tmp_path / "data")
        daemon = make_daemon(handle, settings, Mode.SHADOW)
        await daemon.start()
        try:
            sub = daemon.htlc_subscriber
            assert sub is not None
            while sub.connections == 0:
                await asyncio.sleep(0.05)
            for _ in range(2):
                assert await daemon.cycle() is not None
                await daemon.clock.wait(settings.daemon.cycle_seconds, daemon.stop)
            for _ in range(1200):
                if sub.events_seen >= handle.sim.htlc_events.last_seq:
                    break
                await asyncio.sleep(0.05)
            assert await daemon.cycle() is not None  # syncs what the last advance did
            now = daemon.clock.now()
            views = (await stored_views(daemon.ctx.store, now)).views
        finally:
            await daemon.close()
    assert views and all(v.failed_for_liquidity is not None for v in views)
    failing = [v for v in views if v.failed_for_liquidity]
    assert failing, [v.failed_for_liquidity for v in views]
    engine = DecisionEngine.from_settings(settings)
    for view in failing:
        with_failures = engine.decide(view, None, now)
        without = engine.decide(replace(view, failed_for_liquidity=0), None, now)
        unknown = engine.decide(replace(view, failed_for_liquidity=None), None, now)
        # The failed-forward factor raises the fee the engine aims for: the decision moves with it.
        assert _prior_ppm(with_failures.reasons) > _prior_ppm(without.reasons), with_failures.reasons
        assert with_failures.reasons != without.reasons
        # Unknown is not zero: the engine says what it could not judge and trusts itself less.
        assert "failed for liquidity" in unknown.reasons[0] and unknown.confidence < with_failures.confidence


def _prior_ppm(reasons: tuple[str, ...]) -> int:
    line = next(r for r in reasons if r.startswith("prior "))
    return int(line.split()[1])
