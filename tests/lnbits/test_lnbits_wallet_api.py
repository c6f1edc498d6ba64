"""LnbitsBackend against the real LNbits package (FakeWallet funding source) on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from lnpilot.backends.base import AuthenticationError, Capability, CapabilityMissing, NodeBackend
from lnpilot.backends.lnbits import LnbitsBackend
from lnpilot.backends.lnbits_errors import LnbitsNotClaimed
from lnpilot.domain.graph import RoutingPolicy
from lnpilot.errors import ConfigError, InvalidInputError
from tests.lnbits.lnbits_process import running_lnbits

USER, PASSWORD = "lnpilot", "correct-horse-9"


@pytest.fixture(scope="module")
def lnbits_fake_wallet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_lnbits(
        tmp_path_factory.mktemp("lnbits-fake"), {"LNBITS_BACKEND_WALLET_CLASS": "FakeWallet"}
    ) as url:
        yield url


async def test_wallet_api_and_honest_capabilities(lnbits_fake_wallet: str) -> None:
    url = lnbits_fake_wallet
    async with LnbitsBackend(url, username=USER, password=PASSWORD) as admin:
        # Before the first-install claim LNbits redirects every call: said so, with what to do.
        with pytest.raises(LnbitsNotClaimed, match="first_install"):
            await admin.get_info()
        await admin.claim_first_install()
        with pytest.raises(ConfigError, match="LNBITS_API_KEY"):
            await admin.add_invoice(1000, "x")
        # FakeWallet has no node: LNbits answers 501, which is a missing capability, not a crash.
        with pytest.raises(CapabilityMissing, match="501"):
            await admin.get_info()
    wallet = httpx.post(f"{url}/api/v1/account", json={"name": "lnpilot-test"}, timeout=10).json()
    async with LnbitsBackend(url, api_key=wallet["inkey"]) as lnbits:
        assert isinstance(lnbits, NodeBackend)
        assert await lnbits.wallet_balance_msat() == 0
        invoice = await lnbits.add_invoice(21_000, "lnpilot test")
        assert invoice.payment_request.startswith("lnbc") and len(invoice.r_hash_hex) == 64
        assert invoice.value_msat == 21_000 and not invoice.settled
        with pytest.raises(InvalidInputError):
            await lnbits.add_invoice(1500, "not whole sat")
        assert Capability.FORWARDING_HISTORY not in lnbits.capabilities
        for call in (
            lnbits.forwarding_history(0, 10),
            lnbits.describe_graph(),
            lnbits.get_node("02" + "11" * 32),
            lnbits.get_edge(1),
            lnbits.get_policy("ab" * 32 + ":0"),
            lnbits.closed_channels(),
            lnbits.pay_self("lnbc1", 1, "02" + "11" * 32, 0, 10),
            lnbits.update_channel_policy(
                "ab" * 32 + ":0", RoutingPolicy(1, 1, 40, 1, 1, inbound_fee_rate_ppm=-1)
            ),
        ):
            with pytest.raises(CapabilityMissing):
                await call
        with pytest.raises(ConfigError, match="LNBITS_USERNAME"):
            await lnbits.get_info()
    async with LnbitsBackend(url, api_key="0" * 32) as wrong_key:
        with pytest.raises(AuthenticationError):
            await wrong_key.wallet_balance_msat()


async def test_wrong_password_is_authentication_error(lnbits_fake_wallet: str, tmp_path: Path) -> None:
    async with LnbitsBackend(lnbits_fake_wallet, username=USER, password="wrong-password-1") as lnbits:
        with pytest.raises(AuthenticationError, match="LNBITS_USERNAME/LNBITS_PASSWORD") as info:
            await lnbits.login()
    assert "wrong-password-1" not in str(info.value)
