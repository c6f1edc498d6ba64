"""On simnet after ten simulated days of traffic: profiles differ, and a 300 ppm cap holds."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import ssl
from pathlib import Path
from typing import Any

import httpx
import pytest

from lnpilot.cli.main import main
from lnpilot.logs import configure_logging

testing = pytest.importorskip("lnpilot.simnet.testing")


async def _set_all_fees(handle: object, fee_rate_ppm: int) -> None:
    from lnpilot.backends.lnd import LndRestBackend

    backend = LndRestBackend(handle.url, handle.macaroon_hex(), handle.tls_cert_path)  # type: ignore[attr-defined]
    try:
        for channel in await backend.list_channels():
            current = await backend.get_policy(channel.channel_point)
            await backend.update_channel_policy(
                channel.channel_point, dataclasses.replace(current, fee_rate_ppm=fee_rate_ppm)
            )
    finally:
        await backend.aclose()


def _advance(handle: object, seconds: int) -> None:
    context = ssl.create_default_context(cafile=str(handle.tls_cert_path))  # type: ignore[attr-defined]
    headers = {"Grpc-Metadata-macaroon": handle.macaroon_hex()}  # type: ignore[attr-defined]
    with httpx.Client(verify=context, headers=headers, timeout=300) as client:
        client.post(f"{handle.url}/simnet/clock/advance", json={"seconds": seconds}).raise_for_status()  # type: ignore[attr-defined]


def _decide(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, Any]]:
    assert main(["decide", "--json", *args]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert isinstance(rows, list)
    return rows


def test_profiles_differ_and_the_fee_cap_holds_after_simulated_days(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with testing.running_simnet(tmp_path / "lnd", nodes=120, channels=6, seed=5) as handle:
        monkeypatch.setenv("LND_REST_URL", handle.url)
        monkeypatch.setenv("LND_TLS_CERT_PATH", str(handle.tls_cert_path))
        monkeypatch.setenv("LND_MACAROON_PATH", str(handle.admin_macaroon_path))
        monkeypatch.setenv("LNPILOT_LOG_LEVEL", "ERROR")
        configure_logging("console", "ERROR")  # bind to this test's stdout, not an earlier test's
        asyncio.run(_set_all_fees(handle, 2000))
        _advance(handle, 10 * 86_400)
        at = str(handle.sim.now_s)
        updates = handle.sim.policy_updates
        capsys.readouterr()  # the set-up's log lines

        outcomes = {}
        for profile in ("conservative", "balanced", "aggressive"):
            rows = _decide(capsys, "--profile", profile, "--at", at)
            outcomes[profile] = sorted(
                (str(r["chan_id"]), str(r["type"]), str((r["new_policy"] or {}).get("fee_rate_ppm")))
                for r in rows
            )
        assert len({tuple(v) for v in outcomes.values()}) == 3, outcomes

        config = tmp_path / "capped.toml"
        config.write_text("[limits]\nfee_rate_max_ppm = 300\n")
        monkeypatch.setenv("LNPILOT_CONFIG", str(config))
        approved_fees = []
        for profile in ("conservative", "balanced", "aggressive"):
            for row in _decide(capsys, "--profile", profile, "--at", at):
                policy = row["new_policy"]
                if row["verdict"]["approved"] and policy is not None:
                    approved_fees.append(policy["fee_rate_ppm"])
        assert approved_fees and max(approved_fees) <= 300
        assert handle.sim.policy_updates == updates  # decide executes nothing


async def _sync(handle: object, now: int) -> None:
    from lnpilot.backends.lnd import LndRestBackend
    from lnpilot.settings import load_settings
    from lnpilot.store import Store
    from lnpilot.sync.job import SyncJob

    backend = LndRestBackend(handle.url, handle.macaroon_hex(), handle.tls_cert_path)  # type: ignore[attr-defined]
    store = await Store.open(load_settings())
    try:
        await SyncJob(backend, store).run(now)
    finally:
        await store.close()
        await backend.aclose()


def test_decide_from_the_store_after_daily_syncs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with testing.running_simnet(tmp_path / "lnd", nodes=120, channels=6, seed=5) as handle:
        monkeypatch.setenv("LND_REST_URL", handle.url)
        monkeypatch.setenv("LND_TLS_CERT_PATH", str(handle.tls_cert_path))
        monkeypatch.setenv("LND_MACAROON_PATH", str(handle.admin_macaroon_path))
        monkeypatch.setenv("LNPILOT_LOG_LEVEL", "ERROR")
        configure_logging("console", "ERROR")
        asyncio.run(_set_all_fees(handle, 2000))
        for _ in range(8):  # a week of daily syncs: snapshots, policy history, forwards, graph
            _advance(handle, 86_400)
            asyncio.run(_sync(handle, handle.sim.now_s))
        capsys.readouterr()
        at = str(handle.sim.now_s)
        by_profile = {}
        for profile in ("conservative", "balanced", "aggressive"):
            rows = _decide(capsys, "--from", "store", "--profile", profile, "--at", at)
            assert len(rows) == 6
            by_profile[profile] = rows
        # Stored history (snapshots, graph metrics) lifts coverage above what the live node gives.
        assert max(r["confidence"] for r in by_profile["conservative"]) >= 0.6
        assert any(r["type"] != "no_action" for r in by_profile["conservative"])
        kinds = {p: sorted((r["chan_id"], r["type"]) for r in rows) for p, rows in by_profile.items()}
        fees = {p: sorted(str(r["new_policy"]) for r in rows) for p, rows in by_profile.items()}
        assert len({tuple(v) for v in kinds.values()}) > 1 or len({tuple(v) for v in fees.values()}) == 3


def test_decide_rejects_an_unknown_source(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["decide", "--from", "cloud"]) == 1
    assert "--from: choose one of node, store" in capsys.readouterr().err
