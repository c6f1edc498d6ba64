"""A full client session logged at DEBUG (ours, httpx, httpcore) never shows the macaroon."""

from __future__ import annotations

import io
import logging
import random
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import structlog

from lnpilot.backends.base import AuthenticationError, PermissionDenied, PolicyUpdateFailed
from lnpilot.backends.http import RetryPolicy
from lnpilot.backends.lnd import LndRestBackend
from lnpilot.domain.graph import RoutingPolicy
from lnpilot.logs import configure_logging
from tests.backends.fake_lnd import CHAN_ID, CHANNEL_POINT, PEER_PUB, Fault, serve_fake_lnd
from tests.backends.macaroon_factory import ADMIN_OPS, READONLY_OPS, lnd_macaroon

ADMIN = lnd_macaroon(ADMIN_OPS, root_key=b"s" * 32).hex()
READONLY = lnd_macaroon(READONLY_OPS, root_key=b"s" * 32).hex()


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    buffer = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    configure_logging("json", "DEBUG", stream=buffer)
    libraries = {name: logging.getLogger(name).level for name in ("httpx", "httpcore", "asyncio")}
    for name in libraries:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield buffer
    finally:
        # Library loggers keep an explicit level until told otherwise: later tests would see
        # asyncio's DEBUG lines on their stderr.
        for name, level in libraries.items():
            logging.getLogger(name).setLevel(level)
        structlog.reset_defaults()
        root.handlers, _ = saved
        root.setLevel(saved[1])


async def test_no_macaroon_in_any_log_line(captured_logs: io.StringIO, tmp_path: Path) -> None:
    errors: list[str] = []
    async with serve_fake_lnd(tmp_path / "lnd", ADMIN, READONLY) as fake:
        retry = RetryPolicy(attempts=4, base_delay_s=0.001)
        timeout = httpx.Timeout(2.0, read=0.3)
        fake.faults.extend([Fault("status", status=503), Fault("drop"), Fault("delay", delay_s=1.0)])
        async with LndRestBackend(
            fake.url, ADMIN, fake.cert_path, retry=retry, timeout=timeout, rng=random.Random(3)
        ) as lnd:
            await lnd.get_info()
            await lnd.list_channels()
            await lnd.fee_report()
            await lnd.forwarding_history(0, 3000)
            await lnd.update_channel_policy(CHANNEL_POINT, RoutingPolicy(1, 2, 40, 1000, 10**9))
            fake.faults.append(Fault("failed_update", path="/v1/chanpolicy"))
            with pytest.raises(PolicyUpdateFailed) as failed:
                await lnd.update_channel_policy(CHANNEL_POINT, RoutingPolicy(1, 2, 40, 1000, 10**9))
            errors.append(str(failed.value))
            invoice = await lnd.add_invoice(10_000, "loop")
            await lnd.pay_self(invoice.payment_request, CHAN_ID, PEER_PUB, 10, 5)
            errors.append(repr(lnd))
        async with LndRestBackend(fake.url, READONLY, fake.cert_path, retry=retry) as ro:
            with pytest.raises(PermissionDenied) as denied:
                await ro.update_channel_policy(CHANNEL_POINT, RoutingPolicy(1, 2, 40, 1000, 10**9))
            errors.append(str(denied.value))
        forged = lnd_macaroon(ADMIN_OPS, root_key=b"f" * 32).hex()
        async with LndRestBackend(fake.url, forged, fake.cert_path, retry=retry) as bad:
            with pytest.raises(AuthenticationError) as auth:
                await bad.get_info()
            errors.append(str(auth.value) + repr(auth.value))
    logs = captured_logs.getvalue()
    assert "backend_retry" in logs and "backend_call" in logs and "HTTP Request" in logs
    for secret in (ADMIN, READONLY, forged):
        assert secret not in logs
        assert secret[:40] not in logs
        assert all(secret not in e for e in errors)


async def test_no_macaroon_in_logs_of_a_simnet_session(captured_logs: io.StringIO, tmp_path: Path) -> None:
    from lnpilot.simnet.testing import running_simnet

    with running_simnet(tmp_path / "lnd") as simnet:
        secrets = [simnet.macaroon_hex(kind) for kind in ("admin", "readonly", "invoice")]
        simnet.faults.configure({"http_5xx": 2, "drop_connections": 1})
        retry = RetryPolicy(attempts=5, base_delay_s=0.001)
        async with LndRestBackend(simnet.url, secrets[0], simnet.tls_cert_path, retry=retry) as lnd:
            await lnd.get_info()
            channels = await lnd.list_channels()
            await lnd.fee_report()
            await lnd.forwarding_history(0, 2**40)
            current = await lnd.get_policy(channels[0].channel_point)
            result = await lnd.update_channel_policy(channels[0].channel_point, current)
            assert result.verified
            invoice = await lnd.add_invoice(1_000_000, "loop")
            await lnd.pay_self(
                invoice.payment_request, channels[0].chan_id, channels[1].remote_pubkey, 10_000, 10
            )
        async with LndRestBackend(simnet.url, secrets[2], simnet.tls_cert_path, retry=retry) as inv:
            with pytest.raises(PermissionDenied) as denied:
                await inv.list_channels()
    logs = captured_logs.getvalue()
    assert "backend_retry" in logs and "HTTP Request" in logs
    for secret in secrets:
        assert secret not in logs and secret[:40] not in logs
        assert secret not in str(denied.value)
