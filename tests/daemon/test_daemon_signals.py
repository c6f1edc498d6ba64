"""The daemon as a real process: SIGTERM mid-batch finishes the batch; a kill is reconciled on restart.

A test hook (``LNPILOT_DAEMON_PAUSE_IN_BATCH``) holds the daemon just before it sends a policy
update, inside the executor's batch, so the signal lands mid-cycle deterministically.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from lnpilot.daemon.hooks import PAUSE_ENV
from lnpilot.settings import Settings
from lnpilot.simnet.testing import SimnetHandle, running_simnet
from lnpilot.store import Store
from lnpilot.store.records import TxStatus
from lnpilot.store.repos.transaction_log import SqlTransactionLog
from tests.daemon.daemon_env import control, daemon_settings, sim_policies

CHANNELS = 6
_RUN = "from lnpilot.cli.main import run; run()"


def _env(handle: SimnetHandle, data_dir: Path, config: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LNPILOT_", "LND_"))}
    env.update(
        LNPILOT_BACKEND="simnet",
        LNPILOT_DATA_DIR=str(data_dir),
        DATABASE_URL=f"sqlite+aiosqlite:///{data_dir / 'daemon.db'}",
        LND_REST_URL=handle.url,
        LND_TLS_CERT_PATH=str(handle.tls_cert_path),
        LND_MACAROON_PATH=str(handle.admin_macaroon_path),
        LNPILOT_CONFIG=str(config),
        LNPILOT_LOG_LEVEL="INFO",
        LNPILOT_LOG_FORMAT="json",
    )
    return env


def _start(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", _RUN, "run", "--simnet-clock", "--mode", "live", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait_for(path: Path, proc: subprocess.Popen[str], timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while not path.exists():
        if proc.poll() is not None:
            out = proc.stdout.read() if proc.stdout else ""
            pytest.fail(f"daemon exited ({proc.returncode}) before the batch:\n{out}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("the daemon never reached the batch")
        time.sleep(0.05)


def _cycle_ids(out: str) -> list[str]:
    """The cycle id of every completed cycle, from the daemon's JSON log lines."""
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert lines and all("cycle_id" in line for line in lines if line.get("event") == "daemon_cycle")
    return [str(line["cycle_id"]) for line in lines if line.get("event") == "daemon_cycle"]


async def _state(settings: Settings) -> tuple[list[object], Counter[str]]:
    store = await Store.open(settings)
    try:
        txs = await SqlTransactionLog(store).recent(limit=1000)
        async with store.unit_of_work() as uow:
            decisions = [
                d for d in await uow.decisions.search(limit=10_000) if d.params.get("source") == "daemon"
            ]
        return txs, Counter(str(d.params["cycle_id"]) for d in decisions)
    finally:
        await store.close()


async def _store_matches_node(settings: Settings, handle: SimnetHandle) -> None:
    store = await Store.open(settings)
    try:
        async with store.unit_of_work() as uow:
            for chan_id, fees in sim_policies(handle).items():
                p = await uow.policies.current(chan_id)
                assert p is not None and (p.base_fee_msat, p.fee_rate_ppm) == fees
    finally:
        await store.close()


@pytest.mark.parametrize("how", ["sigterm", "sigkill"])
async def test_interrupted_mid_batch_then_restarted(tmp_path: Path, how: str) -> None:
    config = tmp_path / "lnpilot.toml"
    config.write_text("[daemon]\ncycle_seconds = 21600\ngraph_refresh_seconds = 604800\n")
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    marker = tmp_path / "in-batch"
    with running_simnet(tmp_path / "lnd", nodes=120, channels=CHANNELS, seed=3) as handle:
        control(handle, "POST", "/simnet/clock/advance", {"seconds": 86_400})
        settings = daemon_settings(handle, data_dir)
        env = _env(handle, data_dir, config)
        proc = _start({**env, PAUSE_ENV: f"1.5:{marker}"})
        _wait_for(marker, proc)
        proc.send_signal(signal.SIGTERM if how == "sigterm" else signal.SIGKILL)
        out, _ = proc.communicate(timeout=120)
        txs, per_cycle = await _state(settings)
        assert handle.macaroon_hex() not in out  # a real v2 macaroon, never on a log line
        if how == "sigterm":
            # The batch in flight completed, the cycle's decisions are all recorded, then it exited.
            assert proc.returncode == 0, out
            assert "daemon_stop_requested" in out and "daemon_stopped" in out
            assert txs and all(t.status in {TxStatus.APPLIED, TxStatus.FAILED} for t in txs)  # type: ignore[attr-defined]
            # Every cycle it ran (the one signalled included) recorded all its decisions.
            assert per_cycle and set(per_cycle.values()) == {CHANNELS}
            assert sorted(_cycle_ids(out)) == sorted(per_cycle)  # log and shadow log agree
            await _store_matches_node(settings, handle)
        else:
            assert proc.returncode == -signal.SIGKILL
            # Killed inside the batch: its transaction is open and no decision of that cycle is stored.
            assert any(t.status not in {TxStatus.APPLIED, TxStatus.FAILED} for t in txs)  # type: ignore[attr-defined]
            # Only the cycles that ended are in the shadow log, each one whole.
            assert sorted(_cycle_ids(out)) == sorted(per_cycle)
            assert set(per_cycle.values()) <= {CHANNELS}
        updates_before = handle.sim.policy_updates
        restarted = subprocess.run(
            [sys.executable, "-c", _RUN, "run", "--simnet-clock", "--mode", "live", "--once"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert restarted.returncode == 0, restarted.stdout + restarted.stderr
        txs_after, per_cycle_after = await _state(settings)
        # Reconciled on start: nothing is left half done, and the new cycle decided every channel.
        assert all(t.status in {TxStatus.APPLIED, TxStatus.FAILED, TxStatus.RECONCILED} for t in txs_after)  # type: ignore[attr-defined]
        assert sorted(per_cycle_after.values()) == [CHANNELS] * len(per_cycle_after)
        assert len(per_cycle_after) == len(per_cycle) + 1
        assert handle.sim.policy_updates >= updates_before
        await _store_matches_node(settings, handle)
