"""Issue 17 item 5, the review's own scenario: two lnpilot instances with *separate* data dirs (so
separate SQLite stores, which no database lock can see) on one node. The daemon of the first holds
the node's lock; every path of the second that would change the node (apply, rollback, close, its
own daemon) and the API's rollback are refused, naming the holder, and nothing reaches the node.
Real subprocesses against one served simnet."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.execution.lock_env import api_post, fees, lnpilot, lnpilot_env, push_out_of_bounds, start_lnpilot

testing = pytest.importorskip("lnpilot.simnet.testing")


def _wait_for_holder(lock_dir: Path, word: str, proc: subprocess.Popen[str], timeout_s: float = 300) -> str:
    """The holder text of the first lock file naming ``word`` (the daemon writes it once it holds)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for path in lock_dir.glob("node-*.lock") if lock_dir.is_dir() else ():
            text = path.read_text(errors="replace")
            if word in text:
                return text
        assert proc.poll() is None, "the daemon ended before it held the lock"
        time.sleep(0.2)
    raise AssertionError(f"no lock naming {word!r} in {lock_dir} after {timeout_s} s")


def _refused(result: subprocess.CompletedProcess[str], holder_word: str = "daemon") -> str:
    err = result.stderr.strip()
    assert result.returncode != 0, (result.stdout, err)
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert "holds the lock" in err and holder_word in err, err
    return err


async def test_a_second_lnpilot_with_its_own_data_dir_is_refused_on_every_path(tmp_path: Path) -> None:
    with testing.running_simnet(tmp_path / "lnd", nodes=120, channels=4, seed=7) as handle:
        push_out_of_bounds(handle)
        handle.sim.advance(2 * 3600)  # past the cooldown of that outside change
        config = tmp_path / "lnpilot.toml"
        config.write_text("[daemon]\ncycle_seconds = 86400\nhtlc_events = false\n")
        env_a = lnpilot_env(handle, tmp_path / "a", LNPILOT_CONFIG=str(config))
        env_b = lnpilot_env(handle, tmp_path / "b", LNPILOT_CONFIG=str(config))

        # B alone: a real apply corrects the fees (transaction 1 in B's own store).
        first = lnpilot(env_b, "apply", "--execute", "--mode", "live", "--json")
        assert first.returncode == 0, first.stderr
        tx_id = json.loads(first.stdout)["tx_id"]
        assert tx_id is not None and max(fees(handle)) <= 10_000

        daemon = start_lnpilot(env_a, "run", "--mode", "shadow")
        try:
            holder = _wait_for_holder(Path(env_a["LNPILOT_LOCK_DIR"]), "daemon", daemon)
            assert f"pid {daemon.pid}" in holder
            push_out_of_bounds(handle)
            handle.sim.advance(2 * 3600)
            updates = handle.sim.policy_updates
            _refused(lnpilot(env_b, "apply", "--execute", "--mode", "live"))
            _refused(lnpilot(env_b, "rollback", str(tx_id)))
            _refused(lnpilot(env_b, "rollback", "--auto"))
            point = handle.sim.open_channels()[0].channel_point
            _refused(lnpilot(env_b, "close", point, "--sat-per-vbyte", "5", "--yes"))
            _refused(lnpilot(env_b, "run", "--once", "--mode", "live"))
            answer = await api_post(handle, tmp_path / "b", f"/v1/transactions/{tx_id}/rollback")
            assert answer.status_code == 409, answer.text
            assert answer.headers["content-type"].startswith("application/problem+json")
            assert "holds the lock" in answer.json()["detail"] and "daemon" in answer.json()["detail"]
            assert handle.sim.policy_updates == updates  # nothing reached the node
            shadow = lnpilot(env_b, "apply", "--json")  # shadow changes nothing: no lock needed
            assert shadow.returncode == 0, shadow.stderr
        finally:
            daemon.send_signal(signal.SIGTERM)
            _, daemon_err = daemon.communicate(timeout=300)
        assert daemon.returncode == 0, daemon_err

        # The daemon is gone (its flock went with it): B may act again.
        again = lnpilot(env_b, "apply", "--execute", "--mode", "live", "--json")
        assert again.returncode == 0, again.stderr
        assert max(fees(handle)) <= 10_000
