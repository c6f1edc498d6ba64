"""Issue 17 item 2: the CLI, the API and the daemon agree on "now" for a node.

simnet starts at a fixed past date (2025-01-01, as ``simnet serve --start`` would), far from the
wall clock. The daemon runs on simnet's clock; ``lnpilot apply`` used the wall clock, so a change
the daemon had just made (or one made outside lnpilot) looked two years old to the CLI and the
cooldown let it change the channel again at once; a change the CLI stamped with the wall clock
looked to the daemon like one from the future. Now both read the node's clock.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from lnpilot.cli.main import main
from tests.execution.lock_env import api_post, fees, push_out_of_bounds

testing = pytest.importorskip("lnpilot.simnet.testing")

CONFIG = """
[limits]
cooldown_minutes = 60
max_changes_per_channel_per_day = 50
max_changes_per_node_per_day_per_channel = 50

[daemon]
htlc_events = false
"""


def _applies(times: int) -> None:
    for _ in range(times):
        assert main(["apply", "--execute", "--mode", "live", "--json"]) in (0, 1)


def test_cli_and_daemon_judge_one_cooldown_on_the_node_clock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "lnpilot.toml"
    config.write_text(CONFIG)
    with testing.running_simnet(tmp_path / "lnd", nodes=120, channels=4, seed=3) as handle:
        sim = handle.sim
        assert sim.now_s < 1_800_000_000  # a fixed past start, not the wall clock
        for key, value in {
            "LNPILOT_BACKEND": "simnet",
            "LND_REST_URL": handle.url,
            "LND_TLS_CERT_PATH": str(handle.tls_cert_path),
            "LND_MACAROON_PATH": str(handle.admin_macaroon_path),
            "LNPILOT_CONFIG": str(config),
            "LNPILOT_LOG_LEVEL": "ERROR",
        }.items():
            monkeypatch.setenv(key, value)
        channels = len(sim.open_channels())
        push_out_of_bounds(handle)
        # The daemon's first sync records each policy as first seen now (T0): a cooldown's start.
        assert main(["run", "--once", "--simnet-clock", "--mode", "shadow"]) == 0
        sim.advance(61 * 60)

        # The daemon, on simnet's clock, corrects every channel at node time T1...
        before = sim.policy_updates
        assert main(["run", "--once", "--simnet-clock", "--mode", "live"]) == 0
        assert sim.policy_updates == before + channels and max(fees(handle)) <= 10_000
        push_out_of_bounds(handle)  # ...and someone else undoes it, at T1 as well
        capsys.readouterr()

        # Four CLI applies at node time T1: every channel is inside the daemon's 60 min cooldown.
        before = sim.policy_updates
        _applies(4)
        assert sim.policy_updates == before, "the CLI acted inside the cooldown (judged on another clock)"
        live = asyncio.run(api_post(handle, tmp_path / "data", "/v1/actions/apply", {"mode": "live"}))
        assert live.status_code == 200, live.text  # the API judges on the same clock: nothing either
        assert live.json()["tx_id"] is None and sim.policy_updates == before

        # 61 minutes of node time later: the cooldown allows one change per channel, not four.
        sim.advance(61 * 60)
        _applies(4)
        assert sim.policy_updates == before + channels
        assert max(fees(handle)) <= 10_000

        # The daemon judges the CLI's changes (T2) on the same clock: out of bounds again at T2,
        # seen by a daemon cycle at T2; 61 min later the daemon may act. A CLI change stamped with
        # the wall clock would lie two years in its future and block it.
        push_out_of_bounds(handle)
        assert main(["run", "--once", "--simnet-clock", "--mode", "shadow"]) == 0
        sim.advance(61 * 60)
        before = sim.policy_updates
        assert main(["run", "--once", "--simnet-clock", "--mode", "live"]) == 0
        assert sim.policy_updates == before + channels
        assert max(fees(handle)) <= 10_000
        capsys.readouterr()


def test_read_only_commands_judge_on_the_node_clock_and_say_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``decide``, ``explain`` and ``channels`` without ``--at`` read the simulated node's clock, as
    ``apply`` does: on the wall clock (two years later) the daemon's change of a minute ago looked
    two years old, and decide showed as approved what apply then refused for the cooldown."""
    import json

    config = tmp_path / "lnpilot.toml"
    config.write_text(CONFIG)
    with testing.running_simnet(tmp_path / "lnd", nodes=120, channels=4, seed=3) as handle:
        sim = handle.sim
        for key, value in {
            "LNPILOT_BACKEND": "simnet",
            "LND_REST_URL": handle.url,
            "LND_TLS_CERT_PATH": str(handle.tls_cert_path),
            "LND_MACAROON_PATH": str(handle.admin_macaroon_path),
            "LNPILOT_CONFIG": str(config),
            "LNPILOT_LOG_LEVEL": "ERROR",
        }.items():
            monkeypatch.setenv(key, value)
        push_out_of_bounds(handle)
        assert main(["run", "--once", "--simnet-clock", "--mode", "shadow"]) == 0
        sim.advance(61 * 60)
        assert main(["run", "--once", "--simnet-clock", "--mode", "live"]) == 0  # changes at T1
        push_out_of_bounds(handle)  # undone outside lnpilot: inside the 60 min cooldown
        capsys.readouterr()

        def approved_changes(*argv: str) -> int:
            """How many channels decide would change (a change the validator approves)."""
            assert main(["decide", "--json", *argv]) == 0
            captured = capsys.readouterr()
            rows = json.loads(captured.out)
            assert len(rows) == len(sim.open_channels())
            assert captured.err.strip().startswith("as of ")  # the clock, beside the JSON
            return sum(1 for r in rows if r["type"] != "no_action" and r["verdict"]["approved"])

        # inside the cooldown on the node's clock: nothing to do, as apply finds
        assert approved_changes("--from", "node") == 0 and approved_changes("--from", "store") == 0
        assert main(["decide"]) == 0
        text = capsys.readouterr().out
        assert text.splitlines()[-1].endswith("the simulated node's clock (getinfo)")
        when = text.splitlines()[-1].split(": ")[0]
        assert when.startswith("as of 2025-")  # simnet's date, not the wall clock's
        # an explicit --at still rules: an hour later the cooldown is over
        assert approved_changes("--at", str(sim.now_s + 61 * 60)) == len(sim.open_channels())
        chan = str(sim.open_channels()[0].chan_id)
        assert main(["explain", chan, "--json"]) == 0
        explained = json.loads(capsys.readouterr().out)
        assert explained["clock"] == {"now": sim.now_s, "source": "the simulated node's clock (getinfo)"}
        assert main(["channels", "--json"]) == 0
        scored = json.loads(capsys.readouterr().out)
        assert scored["computed_at"] == sim.now_s and scored["clock"]["now"] == sim.now_s
        assert main(["channels"]) == 0
        assert "the simulated node's clock" in capsys.readouterr().out
    # the node gone: channels (the store only) falls back to the last sync's time, and says so
    assert main(["channels", "--json"]) == 0
    gone = json.loads(capsys.readouterr().out)["clock"]
    assert gone["source"].startswith("the store's last sync") and gone["now"] <= sim.now_s
