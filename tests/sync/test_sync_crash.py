"""Done-when: kill ``lnpilot sync`` midway (SIGKILL) and run it again: nothing lost, nothing doubled."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from lnpilot.cli.sync import PAUSE_ENV, PAUSED_MARKER
from lnpilot.simnet.testing import SimnetHandle
from lnpilot.store import Store
from tests.sync.simnet_client import advance, simnet_env, truth_forwards

DAY = 86_400
PAGE = 10


def _env(simnet: SimnetHandle, tmp_path: Path, database_url: str, **extra: str) -> dict[str, str]:
    config = tmp_path / "lnpilot.toml"
    config.write_text(f"[sync]\nforwards_page_size = {PAGE}\n")
    return {
        **os.environ,
        **simnet_env(simnet, tmp_path / "data", database_url),
        "LNPILOT_CONFIG": str(config),
        **extra,
    }


def _sync(env: dict[str, str], read_stderr: bool = True) -> subprocess.Popen[str]:
    # Output nobody reads goes to /dev/null: a full pipe would block the process, not the test.
    return subprocess.Popen(
        [sys.executable, "-m", "lnpilot", "sync", "--no-graph", "--json"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE if read_stderr else subprocess.DEVNULL,
        text=True,
    )


async def _keys(store: Store) -> list[tuple[int, int, int, int, int]]:
    async with store.unit_of_work() as uow:
        return sorted(e.natural_key for e in await uow.forwards.between(0, 1 << 62))


async def _finish_and_check(
    simnet: SimnetHandle, store: Store, env: dict[str, str], stored_before: int
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "lnpilot", "sync", "--no-graph", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    truth = sorted(await truth_forwards(simnet))
    assert report["forwards_added"] == len(truth) - stored_before
    assert await _keys(store) == truth  # nothing lost, nothing doubled


async def test_sigkill_after_committed_pages_then_rerun(
    simnet: SimnetHandle, store: Store, database_url: str, tmp_path: Path
) -> None:
    assert await advance(simnet, DAY) > 3 * PAGE
    env = _env(simnet, tmp_path, database_url)
    proc = _sync({**env, PAUSE_ENV: "2"})
    try:
        assert proc.stderr is not None
        # The process says so once its second page of forwards is committed, then stalls.
        for line in proc.stderr:
            if PAUSED_MARKER in line:
                break
        else:
            raise AssertionError(f"sync ended before pausing: {proc.wait()}")
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    stored = await _keys(store)
    truth = sorted(await truth_forwards(simnet))
    assert stored == truth[: 2 * PAGE]  # the oldest two pages, committed before the kill
    async with store.unit_of_work() as uow:
        mark = await uow.sync_state.get("forwards")
    assert mark is not None and mark.high_water == stored[-1][0]
    await _finish_and_check(simnet, store, env, len(stored))


async def test_sigkill_at_unplanned_points_then_rerun(
    simnet: SimnetHandle, store: Store, database_url: str, tmp_path: Path
) -> None:
    assert await advance(simnet, DAY) > 3 * PAGE
    env = _env(simnet, tmp_path, database_url)
    for _ in range(2):
        proc = _sync(env, read_stderr=False)
        try:
            # Kill as soon as the database shows the run writing (or it has finished anyway).
            deadline = time.monotonic() + 120
            while proc.poll() is None and time.monotonic() < deadline:
                async with store.unit_of_work() as uow:
                    if await uow.forwards.count() > 0:
                        break
                await asyncio.sleep(0.01)
            proc.kill()
        finally:
            proc.wait(timeout=30)
        await advance(simnet, 3_600)  # new activity between the attempts
    await _finish_and_check(simnet, store, env, len(await _keys(store)))
