"""LndRestBackend over real loopback HTTPS against a fault-injecting LND-shaped server."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from lnpilot.backends.base import (
    AuthenticationError,
    BackendNotFound,
    BackendUnavailable,
    Capability,
    NodeBackend,
    PermissionDenied,
    PolicyUpdateFailed,
)
from lnpilot.backends.http import RetryPolicy, TlsVerificationFailed
from lnpilot.backends.lnd import LndRestBackend
from lnpilot.domain.graph import RoutingPolicy
from lnpilot.domain.node import PaymentStatus
from lnpilot.errors import InvalidInputError
from tests.backends.fake_lnd import CHAN_ID, CHANNEL_POINT, OUR_PUB, PEER_PUB, FakeLnd, Fault, serve_fake_lnd
from tests.backends.macaroon_factory import ADMIN_OPS, READONLY_OPS, lnd_macaroon
from tests.backends.tls_helpers import write_self_signed

ADMIN = lnd_macaroon(ADMIN_OPS).hex()
READONLY = lnd_macaroon(READONLY_OPS).hex()
FAST = RetryPolicy(attempts=4, base_delay_s=0.001, max_delay_s=0.01)
SHORT = httpx.Timeout(connect=2.0, read=0.3, write=2.0, pool=2.0)
POLICY = RoutingPolicy(
    base_fee_msat=500,
    fee_rate_ppm=321,
    time_lock_delta=40,
    min_htlc_msat=1000,
    max_htlc_msat=4_000_000_000,
    inbound_base_fee_msat=-10,
    inbound_fee_rate_ppm=-5,
)


@pytest.fixture
async def fake(tmp_path: Path) -> AsyncIterator[FakeLnd]:
    async with serve_fake_lnd(tmp_path / "lnd", ADMIN, READONLY) as server:
        yield server


def client(fake: FakeLnd, macaroon: str = ADMIN, cert: Path | None = None) -> LndRestBackend:
    return LndRestBackend(
        fake.url, macaroon, cert or fake.cert_path, timeout=SHORT, retry=FAST, rng=random.Random(1)
    )


async def test_reads(fake: FakeLnd) -> None:
    async with client(fake, READONLY) as lnd:
        assert isinstance(lnd, NodeBackend)
        wanted = {Capability.PAY_SELF, Capability.CLOSE_CHANNEL, Capability.CHAIN_TRANSACTIONS}
        assert wanted <= lnd.capabilities
        info = await lnd.get_info()
        assert (info.pub_key, info.alias) == (OUR_PUB, "fake")
        channels = await lnd.list_channels()
        assert [c.chan_id for c in channels] == [CHAN_ID] and channels[0].uptime_s == 100
        assert await lnd.closed_channels() == []
        assert (await lnd.fee_report()).channels[0].fee_rate_ppm == 100
        assert await lnd.describe_graph() == b'{"nodes": [], "edges": []}'
        assert (await lnd.get_node(PEER_PUB)).pub_key == PEER_PUB
        assert (await lnd.get_edge(CHAN_ID)).node1 == OUR_PUB
        assert (await lnd.get_policy(CHANNEL_POINT)).fee_rate_ppm == 100
        assert "Grpc" not in repr(lnd) and READONLY not in repr(lnd)


async def test_forwarding_history_fetches_every_page(fake: FakeLnd) -> None:
    async with client(fake) as lnd:
        events = await lnd.forwarding_history(1_000_000, 1_000_000 + 10_000)
    assert len(events) == 2500
    assert len({e.natural_key for e in events}) == 2500
    offsets = [body["index_offset"] for method, path, body in fake.requests if path == "/v1/switch"]
    assert offsets == [0, 1000, 2000]


async def test_forwarding_history_rejects_reversed_window(fake: FakeLnd) -> None:
    async with client(fake) as lnd:
        with pytest.raises(InvalidInputError):
            await lnd.forwarding_history(10, 5)


async def test_update_sends_the_complete_policy_and_verifies(fake: FakeLnd) -> None:
    async with client(fake) as lnd:
        result = await lnd.update_channel_policy(CHANNEL_POINT, POLICY)
    assert result.verified and result.mismatches == {}
    assert result.read_back is not None and result.read_back.fee_rate_ppm == 321
    body = next(b for m, p, b in fake.requests if p == "/v1/chanpolicy")
    assert body is not None and "fee_rate" not in body
    assert body["fee_rate_ppm"] == "321" and body["base_fee_msat"] == "500" and body["time_lock_delta"] == 40
    assert body["min_htlc_msat_specified"] is True and body["inbound_fee"] == {
        "base_fee_msat": -10,
        "fee_rate_ppm": -5,
    }


async def test_zero_max_htlc_keeps_the_live_value(fake: FakeLnd) -> None:
    async with client(fake) as lnd:
        result = await lnd.update_channel_policy(CHANNEL_POINT, RoutingPolicy(1, 2, 40, 1000, 0))
    assert result.sent.max_htlc_msat == 4_950_000_000 and result.verified


async def test_update_not_applied_is_reported_field_by_field(fake: FakeLnd) -> None:
    fake.ignore_updates = True
    async with client(fake) as lnd:
        result = await lnd.update_channel_policy(CHANNEL_POINT, POLICY)
    assert not result.verified
    assert result.mismatches["fee_rate_ppm"] == (321, 100)
    assert result.mismatches["time_lock_delta"] == (40, 80)


async def test_failed_updates_in_a_200_is_a_typed_failure(fake: FakeLnd) -> None:
    fake.faults.append(Fault("failed_update", reason="UPDATE_FAILURE_PENDING", path="/v1/chanpolicy"))
    async with client(fake) as lnd:
        with pytest.raises(PolicyUpdateFailed) as info:
            await lnd.update_channel_policy(CHANNEL_POINT, POLICY)
    assert info.value.reason == "UPDATE_FAILURE_PENDING"


async def test_unknown_channel(fake: FakeLnd) -> None:
    async with client(fake) as lnd:
        with pytest.raises(BackendNotFound):
            await lnd.update_channel_policy(f"{'ef' * 32}:0", POLICY)
        with pytest.raises(BackendNotFound, match="edge not found"):
            await lnd.get_edge(CHAN_ID + 1)
        with pytest.raises(BackendNotFound):
            await lnd.get_node("02" + "99" * 32)
        with pytest.raises(InvalidInputError):
            await lnd.get_node("nope")
        with pytest.raises(InvalidInputError):
            await lnd.get_edge(0)


async def test_5xx_burst_is_retried_then_succeeds(fake: FakeLnd) -> None:
    fake.faults.extend(
        [Fault("status", status=503), Fault("status", status=502), Fault("status", status=429)]
    )
    async with client(fake) as lnd:
        assert (await lnd.get_info()).alias == "fake"
    assert sum(1 for _, p, _ in fake.requests if p == "/v1/getinfo") == 4


async def test_5xx_beyond_the_budget_is_unavailable(fake: FakeLnd) -> None:
    fake.faults.extend(Fault("status", status=503) for _ in range(5))
    async with client(fake) as lnd:
        with pytest.raises(BackendUnavailable, match="gave up after 4 attempts"):
            await lnd.get_info()


async def test_timeout_is_retried_then_unavailable(fake: FakeLnd) -> None:
    fake.faults.append(Fault("delay", delay_s=1.0))
    async with client(fake) as lnd:
        assert (await lnd.get_info()).alias == "fake"
        fake.faults.extend(Fault("delay", delay_s=1.0) for _ in range(4))
        with pytest.raises(BackendUnavailable, match="timed out"):
            await lnd.list_channels()


async def test_dropped_connection_is_retried(fake: FakeLnd) -> None:
    fake.faults.extend([Fault("drop"), Fault("drop")])
    async with client(fake) as lnd:
        assert len(await lnd.list_channels()) == 1


async def test_invoice_is_never_retried(fake: FakeLnd) -> None:
    fake.faults.append(Fault("status", status=503, path="/v1/invoices"))
    async with client(fake) as lnd:
        with pytest.raises(BackendUnavailable):
            await lnd.add_invoice(1_000_000, "rebalance")
        assert sum(1 for _, p, _ in fake.requests if p == "/v1/invoices") == 1
        invoice = await lnd.add_invoice(1_000_000, "rebalance")
        assert invoice.r_hash_hex == "07" * 32
        with pytest.raises(InvalidInputError):
            await lnd.add_invoice(0, "x")


async def test_pay_self_body_and_result(fake: FakeLnd) -> None:
    async with client(fake) as lnd:
        result = await lnd.pay_self("lnbcrt1fake", CHAN_ID, PEER_PUB, 5000, 30)
    assert result.status is PaymentStatus.SUCCEEDED and result.fee_msat == 250
    body = next(b for m, p, b in fake.requests if p == "/v2/router/send")
    assert body is not None
    assert body["allow_self_payment"] is True and body["no_inflight_updates"] is True
    assert body["outgoing_chan_ids"] == [str(CHAN_ID)] and body["fee_limit_msat"] == "5000"
    assert body["timeout_seconds"] == 30 and "fee_rate" not in body
    import base64

    assert base64.b64decode(body["last_hop_pubkey"]).hex() == PEER_PUB


async def test_pay_self_failure_and_faults_are_never_retried(fake: FakeLnd) -> None:
    fake.payment_status = "FAILED"
    async with client(fake) as lnd:
        failed = await lnd.pay_self("lnbcrt1fake", CHAN_ID, PEER_PUB, 0, 30)
        assert failed.status is PaymentStatus.FAILED and failed.failure_reason == "FAILURE_REASON_NO_ROUTE"
        fake.faults.append(Fault("drop", path="/v2/router/send"))
        unknown = await lnd.pay_self("lnbcrt1fake", CHAN_ID, PEER_PUB, 0, 30)
        assert unknown.status is PaymentStatus.IN_FLIGHT and "outcome unknown" in unknown.failure_reason
        fake.faults.append(Fault("status", status=503, path="/v2/router/send"))
        with pytest.raises(BackendUnavailable):
            await lnd.pay_self("lnbcrt1fake", CHAN_ID, PEER_PUB, 0, 30)
        with pytest.raises(InvalidInputError):
            await lnd.pay_self("lnbcrt1fake", CHAN_ID, "zz", 0, 30)
        with pytest.raises(InvalidInputError):
            await lnd.pay_self("lnbcrt1fake", CHAN_ID, PEER_PUB, -1, 30)
    assert sum(1 for _, p, _ in fake.requests if p == "/v2/router/send") == 3


async def test_wrong_macaroon_is_authentication_error_without_the_secret(fake: FakeLnd) -> None:
    forged = lnd_macaroon(ADMIN_OPS, root_key=b"x" * 32).hex()
    async with client(fake, forged) as lnd:
        with pytest.raises(AuthenticationError) as info:
            await lnd.get_info()
    assert forged not in str(info.value)
    assert sum(1 for _, p, _ in fake.requests if p == "/v1/getinfo") == 1


async def test_readonly_macaroon_cannot_write(fake: FakeLnd) -> None:
    async with client(fake, READONLY) as lnd:
        with pytest.raises(PermissionDenied):
            await lnd.update_channel_policy(CHANNEL_POINT, POLICY)
        with pytest.raises(PermissionDenied):
            await lnd.pay_self("lnbcrt1fake", CHAN_ID, PEER_PUB, 0, 30)


async def test_wrong_certificate_is_refused_and_not_retried(fake: FakeLnd, tmp_path: Path) -> None:
    other_cert, _ = write_self_signed(tmp_path / "other")
    async with client(fake, cert=other_cert) as lnd:
        with pytest.raises(TlsVerificationFailed, match="LND_TLS_CERT_PATH"):
            await lnd.get_info()
    assert fake.requests == []


async def test_unreachable_node_is_unavailable(tmp_path: Path) -> None:
    cert, _ = write_self_signed(tmp_path / "c")
    lnd = LndRestBackend("https://127.0.0.1:9", ADMIN, cert, timeout=SHORT, retry=FAST)
    async with lnd:
        with pytest.raises(BackendUnavailable, match="connection failed"):
            await lnd.get_info()


async def test_payment_that_never_left_is_unavailable_not_unknown(fake: FakeLnd, tmp_path: Path) -> None:
    other_cert, _ = write_self_signed(tmp_path / "other")
    async with client(fake, cert=other_cert) as lnd:
        with pytest.raises(TlsVerificationFailed):
            await lnd.pay_self("lnbcrt1fake", CHAN_ID, PEER_PUB, 0, 30)
    async with LndRestBackend("https://127.0.0.1:9", ADMIN, fake.cert_path, retry=FAST) as down:
        with pytest.raises(BackendUnavailable, match="not sent"):
            await down.pay_self("lnbcrt1fake", CHAN_ID, PEER_PUB, 0, 30)
    assert fake.requests == []
