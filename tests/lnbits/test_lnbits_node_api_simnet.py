"""LNbits' node API in front of simnet (LndRestWallet): a real LND REST client must believe simnet.

Also the issue-5 done-when: ``lnpilot status --json`` through ``LNPILOT_BACKEND=lnbits`` and
``LNPILOT_BACKEND=lnd`` reports the alias, pubkey and channel count simnet reports.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from lnpilot.backends.base import Capability, CapabilityMissing
from lnpilot.backends.factory import make_backend
from lnpilot.backends.graph_source import GraphSource
from lnpilot.backends.lnbits import LnbitsBackend
from lnpilot.backends.lnd import LndRestBackend
from lnpilot.cli.main import main
from lnpilot.settings import load_settings
from lnpilot.simnet.testing import SimnetHandle, running_simnet
from tests.lnbits.lnbits_process import require_lnbits, running_lnbits
from tests.lnbits.test_lnbits_backend_e2e import write_snapshot

USER, PASSWORD = "lnpilot", "correct-horse-9"


@dataclass(frozen=True)
class Stack:
    simnet: SimnetHandle
    lnbits_url: str


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    require_lnbits()
    with running_simnet(tmp_path_factory.mktemp("simnet") / "lnd") as simnet:
        env = {
            "LNBITS_BACKEND_WALLET_CLASS": "LndRestWallet",
            "LNBITS_NODE_UI": "true",
            "LND_REST_ENDPOINT": simnet.url,
            "LND_REST_CERT": str(simnet.tls_cert_path),
            "LND_REST_MACAROON": str(simnet.admin_macaroon_path),
        }
        with running_lnbits(tmp_path_factory.mktemp("lnbits-lnd"), env) as url:
            asyncio.run(_claim(url))
            yield Stack(simnet, url)


async def _claim(url: str) -> None:
    async with LnbitsBackend(url, username=USER, password=PASSWORD) as lnbits:
        await lnbits.claim_first_install()


def _truth_channel(simnet: SimnetHandle, chan_id: int) -> dict[str, object]:
    with simnet.sim.lock:
        channel = next(c for c in simnet.sim.channels if c.chan_id == chan_id)
        pol = channel.policy
        return {
            "fee_rate_ppm": pol.fee_rate_ppm,
            "base_fee_msat": pol.base_fee_msat,
            "time_lock_delta": pol.time_lock_delta,
        }


async def test_node_api_lists_simnet_channels_and_sets_fees(stack: Stack, tmp_path: Path) -> None:
    simnet = stack.simnet
    snapshot = tmp_path / "describegraph.json"
    await write_snapshot(simnet, snapshot)
    source = GraphSource(str(snapshot))
    async with LnbitsBackend(
        stack.lnbits_url, username=USER, password=PASSWORD, graph_source=source
    ) as lnbits:
        info = await lnbits.get_info()
        assert info.pub_key == simnet.sim.node.pub_key and info.alias == simnet.sim.node.alias
        channels = await lnbits.list_channels()
        with simnet.sim.lock:
            truth = {c.chan_id: c for c in simnet.sim.channels}
        assert {c.chan_id for c in channels} == set(truth)
        assert info.num_active_channels + info.num_inactive_channels == len(truth)
        for channel in channels:
            sim_channel = truth[channel.chan_id]
            assert channel.channel_point == sim_channel.channel_point
            assert channel.remote_pubkey == sim_channel.peer_pubkey
            assert channel.capacity_sat == sim_channel.capacity_sat
        assert set(await lnbits.list_peers()) <= {c.peer_pubkey for c in truth.values()}

        target = channels[0]
        before = _truth_channel(simnet, target.chan_id)
        # Only the fees change: the rest is what the snapshot says the channel has.
        wanted = replace(await lnbits.get_policy(target.channel_point), base_fee_msat=1234, fee_rate_ppm=567)
        result = await lnbits.update_channel_policy(target.channel_point, wanted)
        # The fees are read back and equal; the rest LNbits cannot read, so nothing is claimed.
        assert not result.mismatches and not result.verified
        assert (
            "time_lock_delta" in result.unverified_fields and "fee_rate_ppm" not in result.unverified_fields
        )
        after = _truth_channel(simnet, target.chan_id)
        # Read back from simnet itself: the fees LNbits sent landed, with LNbits' fixed time lock.
        assert (after["fee_rate_ppm"], after["base_fee_msat"], after["time_lock_delta"]) == (567, 1234, 80)
        assert before != after
        async with LndRestBackend(simnet.url, simnet.macaroon_hex("readonly"), simnet.tls_cert_path) as lnd:
            live = await lnd.get_policy(target.channel_point)
        assert (live.fee_rate_ppm, live.base_fee_msat, live.time_lock_delta) == (567, 1234, 80)

        report = await lnbits.fee_report()
        fee = next(f for f in report.channels if f.chan_id == target.chan_id)
        assert (fee.fee_rate_ppm, fee.base_fee_msat) == (567, 1234)
        assert report.month_fee_sum_sat >= 0

        with pytest.raises(CapabilityMissing):
            await lnbits.forwarding_history(0, 1)
        assert Capability.UPDATE_INBOUND_FEES not in lnbits.capabilities


def test_status_json_through_lnbits_and_lnd(
    stack: Stack, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    simnet = stack.simnet
    expected = {"alias": simnet.sim.node.alias, "pubkey": simnet.sim.node.pub_key, "channels": 8}

    monkeypatch.setenv("LNPILOT_BACKEND", "lnbits")
    monkeypatch.setenv("LNBITS_URL", stack.lnbits_url)
    monkeypatch.setenv("LNBITS_USERNAME", USER)
    monkeypatch.setenv("LNBITS_PASSWORD", PASSWORD)
    capsys.readouterr()
    assert main(["status", "--json"]) == 0
    out = capsys.readouterr().out
    backend = json.loads(out)["backend"]
    assert backend == {"kind": "lnbits", **expected}
    assert PASSWORD not in out

    monkeypatch.setenv("LNPILOT_BACKEND", "lnd")
    monkeypatch.setenv("LND_REST_URL", simnet.url)
    monkeypatch.setenv("LND_MACAROON_PATH", str(simnet.readonly_macaroon_path))
    monkeypatch.setenv("LND_TLS_CERT_PATH", str(simnet.tls_cert_path))
    assert main(["status", "--json"]) == 0
    out = capsys.readouterr().out
    assert json.loads(out)["backend"] == {"kind": "lnd", **expected}
    assert simnet.macaroon_hex("readonly") not in out


async def test_get_info_and_list_channels_through_both_factory_backends(stack: Stack) -> None:
    simnet = stack.simnet
    lnd_settings = load_settings(
        backend="lnd",
        lnd_rest_url=simnet.url,
        lnd_tls_cert_path=simnet.tls_cert_path,
        lnd_macaroon_path=simnet.readonly_macaroon_path,
    )
    lnbits_settings = load_settings(
        backend="lnbits", lnbits_url=stack.lnbits_url, lnbits_username=USER, lnbits_password=PASSWORD
    )
    seen = []
    for settings in (lnd_settings, lnbits_settings):
        backend = make_backend(settings)
        try:
            info = await backend.get_info()
            channels = await backend.list_channels()
        finally:
            await backend.aclose()
        seen.append(
            (info.pub_key, info.alias, sorted((c.chan_id, c.channel_point, c.capacity_sat) for c in channels))
        )
    assert seen[0] == seen[1]
    assert len(seen[0][2]) == 8
