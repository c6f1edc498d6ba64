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
            await _caught_up(handle, sub)
            assert sub.events_seen == target
            await daemon.stop_htlc_subscription()
            body = control(handle, "GET", "/simnet/truth/failures")
            truth = body["failed_for_liquidity"]
            expected = {int(c): n for c, n in truth.items() if n}
            assert sum(expected.values()) > 0
            store = await Store.open(settings)
            try:
                async with store.unit_of_work() as uow:
                    stored = await uow.htlc.liquidity_counts(0, 2**62)
                    windows = await uow.htlc.windows(0, 2**62)
                    events = await uow.htlc.failures(0, 2**62)
            finally:
                await store.close()
            assert stored == expected
            # Every kind of refusal, as simnet's truth counted it per kind and channel.
            by_kind: dict[str, dict[int, int]] = {}
            for e in events:
                assert e.failure_kind is not None
                row = by_kind.setdefault(e.failure_kind, {})
                row[e.outgoing_chan_id] = row.get(e.outgoing_chan_id, 0) + 1
            truth_by_kind = {
                kind: {int(c): n for c, n in counts.items() if n} for kind, counts in body["by_kind"].items()
            }
            assert by_kind == {kind: counts for kind, counts in truth_by_kind.items() if counts}
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
    """The real-LND-shaped path: the daemon's stored views (LND REST + HTLC stream), then the engine.

    The same channel, with its stored liquidity failures and with them deleted from the store (the
    subscription still covering the window: zero, not unknown), gets a different decision: the
    failures raise the fee the engine aims for (docs/decisions.md, "failed"), and a fee set between
    the two approach thresholds is approached upward with them and held without them.
    """
    from dataclasses import replace

    from lnpilot.backends.lnd import LndRestBackend
    from lnpilot.decisions.engine import DecisionEngine
    from lnpilot.decisions.types import DecisionType
    from lnpilot.domain.channel_view import ChannelView
    from lnpilot.views import stored_views

    with running_simnet(tmp_path / "lnd") as handle:
        settings = daemon_settings(handle, tmp_path / "data")
        daemon = make_daemon(handle, settings, Mode.SHADOW)
        # A profile that reads the failed-forward factor strongly (aggressive's dwell of 6 h still
        # leaves a fee set an hour ago unjudged, so the prior decides).
        engine = DecisionEngine.from_settings(settings, profile="aggressive")
        lnd = LndRestBackend(handle.url, handle.macaroon_hex(), handle.tls_cert_path)
        await daemon.start()
        try:
            sub = daemon.htlc_subscriber
            assert sub is not None
            while sub.connections == 0:
                await asyncio.sleep(0.05)
            for _ in range(2):
                assert await daemon.cycle() is not None
                await daemon.clock.wait(settings.daemon.cycle_seconds, daemon.stop)
            await _caught_up(handle, sub)
            assert await daemon.cycle() is not None  # syncs what the last advance did
            now = daemon.clock.now()
            views = (await stored_views(daemon.ctx.store, now)).views
            assert views and all(v.failed_for_liquidity is not None for v in views)
            failing = [v for v in views if v.failed_for_liquidity]
            assert failing, [v.failed_for_liquidity for v in views]
            for view in failing:
                with_failures = engine.decide(view, None, now)
                without = engine.decide(replace(view, failed_for_liquidity=0), None, now)
                unknown = engine.decide(replace(view, failed_for_liquidity=None), None, now)
                # The failed-forward factor raises the fee the engine aims for.
                assert _prior_ppm(with_failures.reasons) > _prior_ppm(without.reasons), with_failures.reasons
                # Unknown is not zero: the engine says what it could not judge and trusts itself less.
                assert "failed for liquidity" in unknown.reasons[0]
                assert unknown.confidence < with_failures.confidence

            # The channel whose failures move its prior most, priced between the two thresholds of
            # the approach rule.
            def spread(v: ChannelView) -> float:
                with_ = _prior_ppm(engine.decide(v, None, now).reasons)
                return with_ - _prior_ppm(
                    engine.decide(replace(v, failed_for_liquidity=0), None, now).reasons
                )

            chan = max(failing, key=lambda v: (spread(v), v.channel.chan_id)).channel
            ratio = engine.profile.approach_ratio
            decided = None
            for _ in range(4):
                view = next(v for v in views if v.channel.chan_id == chan.chan_id)
                high = _prior_ppm(engine.decide(view, None, now).reasons) / ratio
                low = (
                    _prior_ppm(engine.decide(replace(view, failed_for_liquidity=0), None, now).reasons)
                    / ratio
                )
                if decided is not None and low < decided.fee_rate_ppm < high:
                    break  # the fee set last round still sits between the thresholds
                fee = round((low * high) ** 0.5)
                assert low < fee < high, (low, high)
                assert view.policy is not None
                decided = replace(view.policy, fee_rate_ppm=fee)
                result = await lnd.update_channel_policy(chan.channel_point, decided)
                assert result.verified, result
                assert await daemon.cycle() is not None  # the sync records the change now
                # Past the cooldown (60 min), then one sync more.
                await asyncio.to_thread(handle.sim.advance, 3_700)
                await _caught_up(handle, sub)
                assert await daemon.cycle() is not None
                now = daemon.clock.now()
                views = (await stored_views(daemon.ctx.store, now)).views
            else:
                raise AssertionError("the prior kept moving past the fee set between the thresholds")
            view = next(v for v in views if v.channel.chan_id == chan.chan_id)
            assert view.policy is not None and view.policy.fee_rate_ppm == decided.fee_rate_ppm
            assert view.failed_for_liquidity
            with_failures = engine.decide(view, None, now)
            # The same channel without stored liquidity failures: delete them from the store.
            _delete_liquidity_failures(settings.database_url_effective, chan.chan_id)
            views = (await stored_views(daemon.ctx.store, now)).views
            bare = next(v for v in views if v.channel.chan_id == chan.chan_id)
            assert bare.failed_for_liquidity == 0  # covered by the subscription: zero, not unknown
            without = engine.decide(bare, None, now)
        finally:
            await lnd.aclose()
            await daemon.close()
    assert with_failures.type is DecisionType.INCREASE_FEES, with_failures.reasons
    assert with_failures.new_policy is not None
    assert with_failures.new_policy.fee_rate_ppm > decided.fee_rate_ppm
    assert any(r.endswith("approach") for r in with_failures.reasons), with_failures.reasons
    assert without.type is DecisionType.NO_ACTION, without.reasons


async def _caught_up(handle: object, sub: object) -> None:
    from lnpilot.backends.lnd_htlc import HtlcSubscriber
    from lnpilot.simnet.testing import SimnetHandle

    assert isinstance(handle, SimnetHandle) and isinstance(sub, HtlcSubscriber)
    last, idle = -1, 0
    while idle < 1200:  # the stream delivers what the clock's last advance produced; stalls fail
        if sub.events_seen >= handle.sim.htlc_events.last_seq:
            return
        idle = 0 if sub.events_seen != last else idle + 1
        last = sub.events_seen
        await asyncio.sleep(0.05)
    raise AssertionError(
        f"subscriber stalled at {sub.events_seen} of {handle.sim.htlc_events.last_seq} events"
    )


def _delete_liquidity_failures(database_url: str, chan_id: int) -> None:
    import sqlalchemy as sa

    from lnpilot.store.codec import chan_to_db
    from lnpilot.store.tables import htlc_failures

    engine = sa.create_engine(database_url.replace("+aiosqlite", ""))
    try:
        with engine.begin() as conn:
            gone = conn.execute(
                sa.delete(htlc_failures).where(
                    htlc_failures.c.outgoing_chan_id == chan_to_db(chan_id),
                    htlc_failures.c.failure_detail == "INSUFFICIENT_BALANCE",
                )
            )
            assert gone.rowcount > 0
    finally:
        engine.dispose()


def _prior_ppm(reasons: tuple[str, ...]) -> int:
    line = next(r for r in reasons if r.startswith("prior "))
    return int(line.split()[1])
