"""LndRestBackend over real HTTPS against simnet, including simnet's injected faults."""

from __future__ import annotations

import random
import ssl
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from lnpilot.backends.base import (
    AuthenticationError,
    BackendNotFound,
    BackendUnavailable,
    PermissionDenied,
    PolicyUpdateFailed,
)
from lnpilot.backends.http import RetryPolicy, TlsVerificationFailed
from lnpilot.backends.lnd import LndRestBackend
from lnpilot.domain.node import PaymentStatus
from lnpilot.graph.ingest import parse_graph_bytes
from lnpilot.simnet.testing import SimnetHandle
from tests.backends.tls_helpers import write_self_signed

FAST = RetryPolicy(attempts=4, base_delay_s=0.001, max_delay_s=0.01)


def backend(simnet: SimnetHandle, kind: str = "admin", **kwargs: Any) -> LndRestBackend:
    options: dict[str, Any] = {"retry": FAST, "rng": random.Random(7)}
    options.update(kwargs)
    return LndRestBackend(simnet.url, simnet.macaroon_hex(kind), simnet.tls_cert_path, **options)


def control(simnet: SimnetHandle, method: str, path: str, body: Any = None) -> Any:
    headers = {"Grpc-Metadata-macaroon": simnet.macaroon_hex("admin")}
    context = ssl.create_default_context(cafile=str(simnet.tls_cert_path))
    with httpx.Client(verify=context, headers=headers, timeout=60) as client:
        response = client.request(method, f"{simnet.url}{path}", json=body)
        response.raise_for_status()
        return response.json()


async def test_reads_match_simnet_truth(simnet: SimnetHandle) -> None:
    control(simnet, "POST", "/simnet/clock/advance", {"seconds": 6 * 3600})
    truth = control(simnet, "GET", "/simnet/truth")
    async with backend(simnet, "readonly") as lnd:
        info = await lnd.get_info()
        assert info.pub_key == simnet.sim.node.pub_key and info.alias == simnet.sim.node.alias
        channels = await lnd.list_channels()
        assert sorted(str(c.chan_id) for c in channels) == sorted(c["chan_id"] for c in truth["channels"])
        by_id = {c["chan_id"]: c for c in truth["channels"]}
        for channel in channels:
            assert channel.local_balance_sat == by_id[str(channel.chan_id)]["local_msat"] // 1000
        report = await lnd.fee_report()
        assert {f.chan_id for f in report.channels} == {c.chan_id for c in channels}
        events = await lnd.forwarding_history(0, truth["now"] + 1)
        assert len(events) == truth["forwards"] > 0
        assert sum(e.fee_msat for e in events) == truth["fees_earned_msat"]
        assert await lnd.closed_channels() == []
        loaded = parse_graph_bytes(await lnd.describe_graph())
        assert info.pub_key in loaded.graph.nodes
        peer = channels[0].remote_pubkey
        assert (await lnd.get_node(peer)).pub_key == peer
        edge = await lnd.get_edge(channels[0].chan_id)
        assert info.pub_key in (edge.node1, edge.node2)


async def test_policy_update_is_complete_and_verified_by_simnet(simnet: SimnetHandle) -> None:
    async with backend(simnet) as lnd:
        channel = (await lnd.list_channels())[0]
        current = await lnd.get_policy(channel.channel_point)
        wanted = replace(
            current,
            fee_rate_ppm=current.fee_rate_ppm + 37,
            base_fee_msat=777,
            time_lock_delta=52,
            inbound_fee_rate_ppm=-25,
            inbound_base_fee_msat=-100,
        )
        result = await lnd.update_channel_policy(channel.channel_point, wanted)
    assert result.verified, result.mismatches
    truth = next(
        c for c in control(simnet, "GET", "/simnet/truth")["channels"] if c["chan_id"] == str(channel.chan_id)
    )
    policy = truth["policy"]
    assert (policy["fee_rate_ppm"], policy["base_fee_msat"], policy["time_lock_delta"]) == (
        current.fee_rate_ppm + 37,
        777,
        52,
    )
    assert (
        policy["min_htlc_msat"] == current.min_htlc_msat and policy["max_htlc_msat"] == current.max_htlc_msat
    )


async def test_failed_updates_fault_is_policy_update_failed(simnet: SimnetHandle) -> None:
    control(simnet, "POST", "/simnet/faults", {"fail_next_policy_update": "UPDATE_FAILURE_PENDING"})
    async with backend(simnet) as lnd:
        channel = (await lnd.list_channels())[0]
        current = await lnd.get_policy(channel.channel_point)
        with pytest.raises(PolicyUpdateFailed) as info:
            await lnd.update_channel_policy(channel.channel_point, replace(current, fee_rate_ppm=999))
        assert info.value.reason == "UPDATE_FAILURE_PENDING"
        assert (await lnd.get_policy(channel.channel_point)).fee_rate_ppm == current.fee_rate_ppm
        with pytest.raises(BackendNotFound):
            await lnd.get_policy("ee" * 32 + ":3")


async def test_5xx_burst_retried_and_exhausted(simnet: SimnetHandle) -> None:
    async with backend(simnet) as lnd:
        control(simnet, "POST", "/simnet/faults", {"http_5xx": 3, "http_status": 503})
        assert (await lnd.get_info()).pub_key == simnet.sim.node.pub_key
        control(simnet, "POST", "/simnet/faults", {"http_5xx": 6, "http_status": 502})
        with pytest.raises(BackendUnavailable, match="gave up after 4 attempts"):
            await lnd.list_channels()


async def test_dropped_connections_retried(simnet: SimnetHandle) -> None:
    control(simnet, "POST", "/simnet/faults", {"drop_connections": 2})
    async with backend(simnet) as lnd:
        assert len(await lnd.list_channels()) == 8


async def test_latency_beyond_timeout_is_unavailable(simnet: SimnetHandle) -> None:
    control(simnet, "POST", "/simnet/faults", {"latency_ms": 800, "latency_requests": 4})
    short = httpx.Timeout(5.0, read=0.2)
    async with backend(simnet, timeout=short) as lnd:
        with pytest.raises(BackendUnavailable, match="timed out"):
            await lnd.get_info()
    control(simnet, "DELETE", "/simnet/faults")


async def test_payment_is_never_retried_on_5xx(simnet: SimnetHandle) -> None:
    async with backend(simnet) as lnd:
        channels = await lnd.list_channels()
        invoice = await lnd.add_invoice(50_000_000, "rebalance")
        control(simnet, "POST", "/simnet/faults", {"http_5xx": 1})
        with pytest.raises(BackendUnavailable) as info:
            await lnd.pay_self(
                invoice.payment_request, channels[0].chan_id, channels[1].remote_pubkey, 100_000, 30
            )
        assert "gave up" not in str(info.value)
        assert control(simnet, "GET", "/simnet/faults")["http_5xx"] == 0


async def test_circular_rebalance_moves_liquidity(simnet: SimnetHandle) -> None:
    async with backend(simnet) as lnd:
        channels = sorted(await lnd.list_channels(), key=lambda c: c.local_balance_sat)
        source, target = channels[-1], channels[0]
        amount_msat = 20_000_000
        invoice = await lnd.add_invoice(amount_msat, "lnpilot rebalance")
        result = await lnd.pay_self(invoice.payment_request, source.chan_id, target.remote_pubkey, 50_000, 30)
        after = {c.chan_id: c for c in await lnd.list_channels()}
    # Seeded simnet: this rebalance has a route within the fee limit.
    assert result.status is PaymentStatus.SUCCEEDED, result.failure_reason
    assert 0 < result.fee_msat <= 50_000
    assert result.route_chan_ids[0] == source.chan_id and result.route_chan_ids[-1] == target.chan_id
    assert after[source.chan_id].local_balance_sat < source.local_balance_sat - amount_msat // 1000 + 1
    assert after[target.chan_id].local_balance_sat == target.local_balance_sat + amount_msat // 1000


async def test_permissions_and_forged_macaroon(simnet: SimnetHandle) -> None:
    async with backend(simnet, "readonly") as ro:
        channel = (await ro.list_channels())[0]
        current = await ro.get_policy(channel.channel_point)
        with pytest.raises(PermissionDenied):
            await ro.update_channel_policy(channel.channel_point, current)
    forged = bytearray(simnet.admin_macaroon_path.read_bytes())
    forged[-1] ^= 0x01
    async with LndRestBackend(simnet.url, bytes(forged).hex(), simnet.tls_cert_path, retry=FAST) as bad:
        with pytest.raises(AuthenticationError) as info:
            await bad.get_info()
    assert bytes(forged).hex() not in str(info.value)
    async with LndRestBackend(simnet.url, "00ff", simnet.tls_cert_path, retry=FAST) as garbage:
        with pytest.raises(AuthenticationError):
            await garbage.get_info()


async def test_wrong_certificate(simnet: SimnetHandle, tmp_path: Path) -> None:
    other, _ = write_self_signed(tmp_path / "other")
    async with LndRestBackend(simnet.url, simnet.macaroon_hex(), other, retry=FAST) as lnd:
        with pytest.raises(TlsVerificationFailed):
            await lnd.get_info()
