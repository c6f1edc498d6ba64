"""A failing backend makes the daemon back off and report, not crash; one daemon per node."""

from __future__ import annotations

from pathlib import Path

import pytest

from lnpilot.cli.main import main
from lnpilot.daemon.lock import DaemonAlreadyRunning, NodeLock, lock_path
from lnpilot.execution.plan import Mode
from lnpilot.metrics.registry import Metrics
from lnpilot.notify.events import Event
from lnpilot.notify.notifier import Notifier
from lnpilot.simnet.testing import running_simnet
from tests.daemon.daemon_env import control, daemon_settings, make_daemon


class RecordingChannel:
    name = "recording"

    def __init__(self) -> None:
        self.events: list[Event] = []

    async def send(self, event: Event) -> None:
        self.events.append(event)

    async def aclose(self) -> None:
        return None


def _sample(text: str, name: str) -> float | None:
    for line in text.splitlines():
        if line.startswith((name + " ", name + "{")):
            return float(line.rsplit(" ", 1)[1])
    return None


async def test_failing_backend_backs_off_reports_and_recovers(tmp_path: Path) -> None:
    from lnpilot.metrics import render

    with running_simnet(tmp_path / "lnd", nodes=80, channels=4, seed=2) as handle:
        settings = daemon_settings(
            handle,
            tmp_path / "data",
            daemon={"cycle_seconds": 3600, "backoff_initial_seconds": 60, "backoff_max_seconds": 200},
        )
        channel = RecordingChannel()
        metrics = Metrics()
        notifier = Notifier([channel], throttle_seconds=900, metrics=metrics)
        daemon = make_daemon(handle, settings, Mode.SHADOW, metrics=metrics, notifier=notifier)
        await daemon.start()
        try:
            assert await daemon.cycle() is not None
            delays = []
            for _ in range(4):
                # Every attempt of the backend's retries answers 503: the cycle fails as a whole.
                control(handle, "POST", "/simnet/faults", {"http_5xx": 4, "http_status": 503})
                assert await daemon.cycle() is None
                delays.append(daemon.backoff.delay_s())
            assert delays == [60, 120, 200, 200]  # exponential, capped
            text = render(metrics)[0].decode()
            assert _sample(text, 'lnpilot_backend_up{backend="simnet"}') == 0.0
            assert (_sample(text, 'lnpilot_backend_errors_total{kind="backend-unavailable"}') or 0) >= 4
            assert _sample(text, 'lnpilot_cycle_duration_seconds_count{outcome="error"}') == 4.0
            # Four failures, one message: the rest are throttled, and counted.
            errors = [e for e in channel.events if str(e.kind) == "daemon_error"]
            assert len(errors) == 1 and "503" not in errors[0].key
            assert (_sample(text, "lnpilot_notifications_suppressed_total") or 0) == 3
            control(handle, "DELETE", "/simnet/faults")
            assert await daemon.cycle() is not None
            assert daemon.backoff.delay_s() == 0
            text = render(metrics)[0].decode()
            assert _sample(text, 'lnpilot_backend_up{backend="simnet"}') == 1.0
        finally:
            await daemon.close()
        assert daemon.failures == 4 and daemon.cycles == 2


async def test_a_second_daemon_on_the_same_node_is_refused(tmp_path: Path) -> None:
    with running_simnet(tmp_path / "lnd", nodes=60, channels=3, seed=4) as handle:
        settings = daemon_settings(handle, tmp_path / "data")
        first = make_daemon(handle, settings, Mode.SHADOW)
        await first.start()
        try:
            second = make_daemon(handle, settings, Mode.SHADOW)
            with pytest.raises(DaemonAlreadyRunning, match="already runs for this node"):
                await second.start()
            await second.close()
        finally:
            await first.close()
        # Released on close: a new daemon starts.
        third = make_daemon(handle, settings, Mode.SHADOW)
        await third.start()
        await third.close()


def test_run_cli_refuses_with_one_line_when_locked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with running_simnet(tmp_path / "lnd", nodes=60, channels=3, seed=4) as handle:
        data_dir = tmp_path / "data"
        monkeypatch.setenv("LNPILOT_DATA_DIR", str(data_dir))
        monkeypatch.setenv("LND_REST_URL", handle.url)
        monkeypatch.setenv("LND_TLS_CERT_PATH", str(handle.tls_cert_path))
        monkeypatch.setenv("LND_MACAROON_PATH", str(handle.admin_macaroon_path))
        with NodeLock(lock_path(data_dir, handle.sim.node.pub_key)):
            code = main(["run", "--once", "--simnet-clock"])
        err = capsys.readouterr().err.strip().splitlines()
        assert code == 1
        assert err[-1].startswith("error: another lnpilot daemon (pid ")
        assert handle.macaroon_hex() not in "\n".join(err)
        # Free again: one cycle runs and exits 0.
        assert main(["run", "--once", "--simnet-clock"]) == 0


def test_simnet_clock_needs_a_simnet_backend(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LNPILOT_BACKEND", "lnd")
    assert main(["run", "--once", "--simnet-clock"]) == 1
    assert "--simnet-clock needs LNPILOT_BACKEND=simnet" in capsys.readouterr().err


async def test_shadow_mode_sends_the_daily_report_once_per_day(tmp_path: Path) -> None:
    with running_simnet(tmp_path / "lnd", nodes=60, channels=3, seed=4) as handle:
        control(handle, "POST", "/simnet/clock/advance", {"seconds": 86_400})
        settings = daemon_settings(handle, tmp_path / "data", daemon={"cycle_seconds": 12 * 3600})
        channel = RecordingChannel()
        daemon = make_daemon(
            handle, settings, Mode.SHADOW, notifier=Notifier([channel], throttle_seconds=900)
        )
        assert await daemon.run(max_cycles=4) == 0  # days 2, 2, 3, 3 (UTC): one day boundary crossed
    reports = [e for e in channel.events if str(e.kind) == "shadow_report"]
    assert len(reports) == 1
    assert reports[0].title == "shadow report for 2025-01-02: 6 decisions"
    assert ("day", "2025-01-02") in reports[0].fields


async def test_start_waits_out_an_unreachable_node_and_stop_skips_the_decisions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_simnet(tmp_path / "lnd", nodes=60, channels=3, seed=4) as handle:
        settings = daemon_settings(
            handle, tmp_path / "data", daemon={"backoff_initial_seconds": 300, "backoff_max_seconds": 600}
        )
        daemon = make_daemon(handle, settings, Mode.SHADOW, notifier=Notifier([], throttle_seconds=0))
        with pytest.raises(RuntimeError, match="not been started"):
            _ = daemon.ctx
        control(handle, "POST", "/simnet/faults", {"http_5xx": 4})
        started_at = handle.sim.now_s
        try:
            assert await daemon._start_with_backoff(retry=True)
            assert daemon.failures == 1 and handle.sim.now_s == started_at + 300  # waited on the clock
            daemon.request_stop()
            report = await daemon.cycle()
            assert report is not None and report.skipped_decisions and report.decisions == {}

            async def broken(*_args: object) -> None:
                raise RuntimeError("a bug, not a backend failure")

            monkeypatch.setattr("lnpilot.daemon.loop.run_cycle", broken)
            assert await daemon.cycle() is None and daemon.failures == 2
        finally:
            await daemon.close()


async def test_stop_during_the_startup_backoff_ends_the_run(tmp_path: Path) -> None:
    with running_simnet(tmp_path / "lnd", nodes=60, channels=3, seed=4) as handle:
        settings = daemon_settings(handle, tmp_path / "data")
        daemon = make_daemon(handle, settings, Mode.SHADOW, notifier=Notifier([], throttle_seconds=0))
        control(handle, "POST", "/simnet/faults", {"http_5xx": 100})
        daemon.request_stop()
        assert await daemon.run() == 1  # never started, exits instead of retrying forever
        assert daemon.cycles == 0 and daemon.failures == 1


async def test_daily_report_survives_a_restart_across_midnight(tmp_path: Path) -> None:
    with running_simnet(tmp_path / "lnd", nodes=60, channels=3, seed=4) as handle:
        control(handle, "POST", "/simnet/clock/advance", {"seconds": 86_400})
        settings = daemon_settings(handle, tmp_path / "data", daemon={"cycle_seconds": 12 * 3600})
        channel = RecordingChannel()
        first = make_daemon(handle, settings, Mode.SHADOW, notifier=Notifier([channel], throttle_seconds=900))
        assert await first.run(max_cycles=2) == 0  # two cycles on day 2 (00:00, 12:00)
        control(handle, "POST", "/simnet/clock/advance", {"seconds": 12 * 3600})  # down over midnight
        # A new process (nothing kept in memory) starts on day 3: day 2 is still reported.
        second = make_daemon(
            handle, settings, Mode.SHADOW, notifier=Notifier([channel], throttle_seconds=900)
        )
        assert await second.run(max_cycles=1) == 0
    reports = [e for e in channel.events if str(e.kind) == "shadow_report"]
    assert [r.title.split(":")[0] for r in reports] == ["shadow report for 2025-01-02"]
