"""``lnpilot apply / transactions / rollback`` end to end against simnet over HTTPS."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lnpilot.cli.main import main

testing = pytest.importorskip("lnpilot.simnet.testing")
from tests.execution.simnet_env import truth_policy  # noqa: E402


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def _json(text: str) -> object:
    return json.loads(text[text.index("{") if text.lstrip().startswith("{") else text.index("[") :])


def test_apply_shadow_then_live_then_rollback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from lnpilot.simnet.engine import channel_truth

    with testing.running_simnet(tmp_path / "lnd", nodes=120, channels=5, seed=11) as handle:
        monkeypatch.setenv("LND_REST_URL", handle.url)
        monkeypatch.setenv("LND_TLS_CERT_PATH", str(handle.tls_cert_path))
        monkeypatch.setenv("LND_MACAROON_PATH", str(handle.admin_macaroon_path))
        monkeypatch.setenv("LNPILOT_LOG_LEVEL", "ERROR")
        before = {c.channel_point: channel_truth(c) for c in handle.sim.channels}

        code, out, _ = _run(capsys, "apply", "--profile", "aggressive", "--json")
        shadow = _json(out)
        assert code == 0 and isinstance(shadow, dict)
        assert shadow["mode"] == "shadow" and shadow["tx_id"] is None
        assert shadow["results"] and {r["status"] for r in shadow["results"]} == {"shadow"}
        assert handle.sim.policy_updates == 0

        target = shadow["results"][0]
        code, out, _ = _run(
            capsys,
            "apply",
            "--execute",
            "--mode",
            "live",
            "--profile",
            "aggressive",
            "--channel",
            target["chan_id"],
            "--json",
        )
        live = _json(out)
        assert code == 0 and isinstance(live, dict)
        assert [(r["chan_id"], r["status"]) for r in live["results"]] == [(target["chan_id"], "applied")]
        assert handle.sim.policy_updates == 1
        changed = handle.sim.channel_by_point(target["channel_point"])
        assert truth_policy(channel_truth(changed)) != truth_policy(before[target["channel_point"]])

        code, out, _ = _run(capsys, "transactions", "--json")
        (tx,) = _json(out)  # type: ignore[misc]
        assert code == 0 and tx["id"] == live["tx_id"] and tx["status"] == "applied"
        assert (
            tx["items"][0]["backup"]["fee_rate_ppm"]
            == before[target["channel_point"]]["policy"]["fee_rate_ppm"]
        )
        code, out, _ = _run(capsys, "transactions")
        assert code == 0 and "applied" in out

        code, out, _ = _run(capsys, "rollback", str(live["tx_id"]))
        assert code == 0 and "complete" in out
        after = {c.channel_point: channel_truth(c) for c in handle.sim.channels}
        assert {p: r["policy"] for p, r in after.items()} == {p: r["policy"] for p, r in before.items()}

        code, _, err = _run(capsys, "rollback", str(live["tx_id"]), "--json")
        assert code == 1 and "rolled_back" in err and len(err.strip().splitlines()) == 1
        code, _, err = _run(capsys, "rollback", "999")
        assert code == 1 and "no transaction" in err

        code, _, err = _run(capsys, "apply", "--channel", "1x1x1")  # not ours: an error (issue 17)
        assert code == 1 and "not one of" in err and len(err.strip().splitlines()) == 1
        code, out, _ = _run(capsys, "apply", "--profile", "aggressive")
        assert code == 0 and "shadow" in out and "decision(s) without action" in out

        # Views from what `lnpilot sync` stored instead of the live node.
        code, _, err = _run(capsys, "sync")
        assert code == 0, err
        code, out, _ = _run(capsys, "apply", "--from", "store", "--json")
        stored = _json(out)
        assert code == 0 and isinstance(stored, dict)
        assert {d["chan_id"] for d in stored["decisions"]} == {str(c.chan_id) for c in handle.sim.channels}
        code, _, err = _run(capsys, "apply", "--from", "memory")
        assert code == 1 and "views source" in err


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["apply", "--mode", "live"], "--mode only applies with --execute"),
        (["apply", "--execute"], "--execute needs --mode"),
        (["apply", "--execute", "--mode", "turbo"], "unknown execution mode"),
    ],
)
def test_apply_usage_errors(capsys: pytest.CaptureFixture[str], args: list[str], needle: str) -> None:
    assert main(args) == 1
    assert needle in capsys.readouterr().err


def test_rollback_auto_rolls_back_the_collapsed_channel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio
    from collections import Counter
    from dataclasses import replace

    from lnpilot.execution.actions import PolicyChange
    from lnpilot.execution.plan import Mode
    from lnpilot.settings import load_settings
    from lnpilot.simnet.engine import channel_truth
    from tests.execution.simnet_env import executor_env

    sim = testing.make_simulation(nodes=150, channels=6, seed=5, payments_per_day=40_000)
    with testing.running_simnet(tmp_path / "lnd", sim=sim) as handle:
        monkeypatch.setenv("LND_REST_URL", handle.url)
        monkeypatch.setenv("LND_TLS_CERT_PATH", str(handle.tls_cert_path))
        monkeypatch.setenv("LND_MACAROON_PATH", str(handle.admin_macaroon_path))
        monkeypatch.setenv("LNPILOT_LOG_LEVEL", "ERROR")
        code, out, _ = _run(capsys, "rollback", "--auto")
        assert code == 0 and "no change whose watch window has ended" in out

        handle.sim.advance(86_400)
        busiest = Counter(f.chan_id_out for f in handle.sim.forwards).most_common(1)[0][0]
        channel = handle.sim.channel_by_id(busiest)
        old = truth_policy(channel_truth(channel))
        db = Path(load_settings().database_url_effective.split("///", 1)[1])

        async def change() -> None:
            async with executor_env(handle, db) as env:
                bad = replace(old, base_fee_msat=1_000_000, fee_rate_ppm=50_000)
                assert (
                    await env.executor.apply([PolicyChange(busiest, channel.channel_point, bad)], Mode.LIVE)
                ).ok

        asyncio.run(change())
        handle.sim.advance(86_400)
        code, out, _ = _run(capsys, "rollback", "--auto", "--json")
        rows = _json(out)
        assert code == 0 and isinstance(rows, list)
        (row,) = rows
        assert row["chan_id"] == str(busiest) and row["verdict"] == "rollback"
        assert row["rollback"]["complete"]
        assert truth_policy(channel_truth(channel)) == old
        code, out, _ = _run(capsys, "rollback", "--auto")
        assert code == 0 and "no change" in out

    assert main(["rollback"]) == 1
    assert "either a TX_ID or --auto" in capsys.readouterr().err
