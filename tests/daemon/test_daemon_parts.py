"""The daemon's small parts: backoff, lock file, clocks, the test hook, report windows."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lnpilot.daemon.backoff import Backoff
from lnpilot.daemon.clock import ClockError, SimnetClock, WallClock
from lnpilot.daemon.hooks import PAUSE_ENV, maybe_pausing
from lnpilot.daemon.lock import DaemonAlreadyRunning, NodeLock, lock_path
from lnpilot.errors import InvalidInputError
from lnpilot.report.window import parse_time, window


@given(
    initial=st.floats(0.01, 1000),
    cap=st.floats(0.01, 10_000),
    failures=st.integers(1, 60),
)
def test_backoff_grows_doubling_and_never_exceeds_the_cap(initial: float, cap: float, failures: int) -> None:
    b = Backoff(initial, cap)
    delays = [b.failed() for _ in range(failures)]
    assert delays[0] == min(cap, initial)
    assert all(d <= cap for d in delays)
    assert all(later >= earlier for earlier, later in itertools.pairwise(delays))
    for earlier, later in itertools.pairwise(delays):
        assert later == min(cap, earlier * 2) or later == cap
    b.succeeded()
    assert b.delay_s() == 0.0


def test_lock_is_exclusive_and_released(tmp_path: Path) -> None:
    path = lock_path(tmp_path / "nested", "02" + "ab" * 32)
    with NodeLock(path) as held:
        assert held.held and path.read_text().isdigit()
        with pytest.raises(DaemonAlreadyRunning) as info:
            NodeLock(path).acquire()
        assert str(path) in str(info.value) and "\n" not in str(info.value)
    again = NodeLock(path).acquire()
    again.release()
    again.release()  # idempotent
    assert not again.held


async def test_wall_clock_wait_ends_early_on_stop() -> None:
    clock = WallClock()
    stop = asyncio.Event()
    asyncio.get_running_loop().call_later(0.05, stop.set)
    await asyncio.wait_for(clock.wait(3600, stop), timeout=10)  # returns on stop, not after an hour
    assert abs(await clock.refresh() - clock.now()) <= 1
    await clock.wait(-1, stop)
    await clock.aclose()


async def test_simnet_clock_errors_are_one_line_and_keep_the_macaroon_out(tmp_path: Path) -> None:
    from lnpilot.simnet.server import free_port

    secret = "0201" + "ab" * 40
    clock = SimnetClock(f"https://127.0.0.1:{free_port()}", secret, None, timeout_s=2)
    with pytest.raises(ClockError, match="not been read"):
        clock.now()
    with pytest.raises(ClockError, match="unreachable") as info:
        await clock.refresh()
    assert secret not in str(info.value) and secret not in repr(clock)
    await clock.wait(0, asyncio.Event())
    await clock.aclose()


async def test_simnet_clock_reads_and_advances(simnet: object) -> None:
    handle = simnet
    clock = SimnetClock(handle.url, handle.macaroon_hex(), handle.tls_cert_path)  # type: ignore[attr-defined]
    try:
        assert clock.now_or(5.0) == 5.0  # not read yet: the fallback
        start = await clock.refresh()
        assert start == handle.sim.now_s == clock.now_or(5.0)  # type: ignore[attr-defined]
        await clock.wait(600, asyncio.Event())
        assert clock.now() == start + 600
        stop = asyncio.Event()
        stop.set()
        await clock.wait(600, stop)  # a stop request does not advance the clock
        assert await clock.refresh() == start + 600
    finally:
        await clock.aclose()
    bad = SimnetClock(handle.url, "00", handle.tls_cert_path)  # type: ignore[attr-defined]
    try:
        with pytest.raises(ClockError, match="HTTP 500"):
            await bad.refresh()
    finally:
        await bad.aclose()


async def test_pause_hook_wraps_only_when_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class Inner:
        def __init__(self) -> None:
            self.sent: list[str] = []

        async def update_channel_policy(self, channel_point: str, policy: object) -> str:
            self.sent.append(channel_point)
            return "done"

        alias = "inner"

    inner = Inner()
    assert maybe_pausing(inner) is inner  # type: ignore[arg-type]
    marker = tmp_path / "marker"
    monkeypatch.setenv(PAUSE_ENV, f"0:{marker}")
    wrapped = maybe_pausing(inner)  # type: ignore[arg-type]
    assert wrapped is not inner and wrapped.alias == "inner"  # type: ignore[attr-defined]
    assert await wrapped.update_channel_policy("tx:0", None) == "done"  # type: ignore[arg-type]
    assert marker.read_text() == "tx:0" and inner.sent == ["tx:0"]


def test_report_windows() -> None:
    now = 1_736_900_000
    assert window(now) == (now - 86_400, now + 1)
    assert window(now, day="2025-01-14") == (1_736_812_800, 1_736_899_200)
    assert window(now, since="2025-01-14T00:00:00") == (1_736_812_800, now + 1)
    assert window(now, since="1736812800") == (1_736_812_800, now + 1)
    assert parse_time("2025-01-14T01:00:00+01:00") == 1_736_812_800
    for kwargs, message in (
        ({"day": "x", "since": "y"}, "either"),
        ({"day": "14/01/2025"}, "--day"),
        ({"since": "yesterday"}, "not a time"),
        ({"since": str(now + 5)}, "past"),
    ):
        with pytest.raises(InvalidInputError, match=message):
            window(now, **kwargs)


def test_run_once_on_wall_time_and_its_exit_code(
    simnet: object, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from lnpilot.cli.main import main
    from tests.daemon.daemon_env import control

    handle = simnet
    monkeypatch.setenv("LND_REST_URL", handle.url)  # type: ignore[attr-defined]
    monkeypatch.setenv("LND_TLS_CERT_PATH", str(handle.tls_cert_path))  # type: ignore[attr-defined]
    monkeypatch.setenv("LND_MACAROON_PATH", str(handle.admin_macaroon_path))  # type: ignore[attr-defined]
    assert main(["run", "--once"]) == 0
    assert main(["run", "--cycles", "1", "--mode", "shadow"]) == 0
    control(handle, "POST", "/simnet/faults", {"http_5xx": 4})  # type: ignore[arg-type]
    # --once does not wait out an unreachable node: one line, exit 1.
    assert main(["run", "--once"]) == 1
    assert capsys.readouterr().err.splitlines()[-1].startswith("error: GET /v1/getinfo: HTTP 503")
