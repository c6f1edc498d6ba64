"""``lnpilot decide`` end to end against simnet over HTTPS: a table and JSON, nothing executed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lnpilot.cli.main import main

testing = pytest.importorskip("lnpilot.simnet.testing")


def test_decide_shows_every_channel_and_executes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with testing.running_simnet(tmp_path / "lnd", nodes=120, channels=6, seed=5) as handle:
        monkeypatch.setenv("LND_REST_URL", handle.url)
        monkeypatch.setenv("LND_TLS_CERT_PATH", str(handle.tls_cert_path))
        monkeypatch.setenv("LND_MACAROON_PATH", str(handle.admin_macaroon_path))
        monkeypatch.setenv("LNPILOT_LOG_LEVEL", "ERROR")

        by_profile = {}
        for profile in ("conservative", "balanced", "aggressive"):
            assert main(["decide", "--profile", profile, "--json"]) == 0
            rows = json.loads(capsys.readouterr().out)
            assert len(rows) == 6
            for row in rows:
                assert row["profile"] == profile
                assert row["reasons"] and 0.0 <= row["confidence"] <= 1.0
                assert set(row["verdict"]) == {"approved", "violations"}
            by_profile[profile] = [
                (r["chan_id"], r["type"], (r["new_policy"] or {}).get("fee_rate_ppm")) for r in rows
            ]
        assert handle.sim.policy_updates == 0
        assert len({tuple(sorted(v)) for v in by_profile.values()}) > 1

        assert main(["decide"]) == 0
        out = capsys.readouterr().out
        assert "nothing executed" in out and "6 channel(s)" in out
        assert handle.sim.policy_updates == 0


def test_decide_with_unknown_profile_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["decide", "--profile", "reckless"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: unknown profile 'reckless'") and err.count("\n") == 1
