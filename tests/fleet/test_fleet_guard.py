"""A fleet worker's cycle takes the node's guard (``store.node_guard``), the lock of the single-node
daemon and of ``lnpilot apply``: a local ``lnpilot run`` on the same node, with its own data dir
and so its own SQLite store (which the fleet's database lock alone never sees), makes the fleet
cycle stand aside with a reason naming the daemon, and nothing reaches the node. Once the daemon
is gone the same cycle runs."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from lnpilot.fleet.cycle import DONE, SKIPPED, run_node_cycle
from lnpilot.settings import load_settings
from tests.execution.lock_env import lnpilot_env, push_out_of_bounds, start_lnpilot
from tests.execution.test_node_lock_everywhere import _wait_for_holder

testing = pytest.importorskip("lnpilot.simnet.testing")


def _fleet_toml(path: Path, handle: testing.SimnetHandle) -> Path:
    path.write_text(
        "\n".join(
            [
                "[nodes.solo]",
                'backend = "simnet"',
                f'lnd_rest_url = "{handle.url}"',
                f'lnd_tls_cert_path = "{handle.tls_cert_path}"',
                f'lnd_macaroon_path = "{handle.admin_macaroon_path}"',
                f'data_dir = "{path.parent / "fleet"}"',  # the fleet's own store, not the daemon's
                "[nodes.solo.execution]",
                'mode = "live"',
                "[nodes.solo.daemon]",
                "htlc_events = false",
                "",
            ]
        )
    )
    return path


async def test_a_local_daemon_on_the_node_makes_the_fleet_cycle_stand_aside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with testing.running_simnet(tmp_path / "lnd", nodes=80, channels=4, seed=9) as handle:
        push_out_of_bounds(handle)
        handle.sim.advance(2 * 3600)  # past the cooldown of that outside change
        daemon_config = tmp_path / "daemon.toml"
        daemon_config.write_text("[daemon]\ncycle_seconds = 86400\nhtlc_events = false\n")
        env = lnpilot_env(handle, tmp_path / "local", LNPILOT_CONFIG=str(daemon_config))
        monkeypatch.setenv("LNPILOT_CONFIG", str(_fleet_toml(tmp_path / "fleet.toml", handle)))
        settings = load_settings()

        daemon = start_lnpilot(env, "run", "--mode", "shadow")
        try:
            holder = _wait_for_holder(Path(env["LNPILOT_LOCK_DIR"]), "daemon", daemon)
            assert f"pid {daemon.pid}" in holder
            updates = handle.sim.policy_updates
            outcome = await run_node_cycle(settings, "solo")
            assert outcome["status"] == SKIPPED, outcome
            assert "holds the lock" in outcome["reason"] and f"daemon (pid {daemon.pid}" in outcome["reason"]
            assert handle.sim.policy_updates == updates  # nothing reached the node
        finally:
            daemon.send_signal(signal.SIGTERM)
            _, daemon_err = daemon.communicate(timeout=300)
        assert daemon.returncode == 0, daemon_err

        outcome = await run_node_cycle(settings, "solo")  # the daemon is gone: the cycle runs
        assert outcome["status"] == DONE, outcome
        assert outcome["report"]["decisions"], outcome  # a whole cycle ran, in live mode
