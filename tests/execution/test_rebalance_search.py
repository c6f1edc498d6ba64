from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lnpilot.backends.base import BackendUnavailable, Capability, CapabilityMissing, PaymentFailed
from lnpilot.domain.node import ForwardingEvent, Invoice, PaymentResult, PaymentStatus
from lnpilot.execution.actions import RebalanceOrder
from lnpilot.execution.rebalance import (
    RebalanceResult,
    amount_candidates,
    channel_earnings_msat,
    fee_limit_msat,
    run_rebalance,
)

ORDER = RebalanceOrder(
    target_chan_id=2,
    target_channel_point="bb:0",
    source_chan_id=1,
    amount_sat=400_000,
    max_fee_msat=2_000_000,
    min_amount_sat=50_000,
)


@dataclass
class PayingNode:
    """Pays only amounts up to ``max_ok_sat``; records every call (a scripted payment peer)."""

    max_ok_sat: int
    capabilities: frozenset[Capability] = frozenset({Capability.PAY_SELF, Capability.ADD_INVOICE})
    fee_ppm: int = 1000
    raise_on: type[Exception] | None = None
    status_when_ok: PaymentStatus = PaymentStatus.SUCCEEDED
    calls: list[tuple[int, int]] = field(default_factory=list)

    async def add_invoice(self, value_msat: int, memo: str, expiry_s: int = 3600) -> Invoice:
        return Invoice(f"{value_msat:064x}", f"lnbcrt{value_msat}", value_msat, False, memo=memo)

    async def pay_self(
        self,
        payment_request: str,
        outgoing_chan_id: int,
        last_hop_pubkey: str,
        fee_limit_msat: int,
        timeout_s: int,
    ) -> PaymentResult:
        value_msat = int(payment_request.removeprefix("lnbcrt"))
        self.calls.append((value_msat // 1000, fee_limit_msat))
        if self.raise_on is not None:
            raise self.raise_on("boom")
        if value_msat // 1000 > self.max_ok_sat:
            return PaymentResult("h", PaymentStatus.FAILED, value_msat, 0, "FAILURE_REASON_NO_ROUTE")
        fee = value_msat * self.fee_ppm // 1_000_000
        return PaymentResult("h", self.status_when_ok, value_msat, fee)


def test_amount_candidates_hand_computed() -> None:
    assert amount_candidates(400_000, 50_000) == [400_000, 200_000, 100_000, 50_000]
    assert amount_candidates(40_000, 50_000) == []


def test_fee_limit_is_pro_rata_and_rounds_down() -> None:
    assert fee_limit_msat(400_000, ORDER) == 2_000_000
    assert fee_limit_msat(100_000, ORDER) == 500_000
    assert fee_limit_msat(3, ORDER) == 15


async def test_shrinks_until_a_payment_succeeds() -> None:
    node = PayingNode(max_ok_sat=150_000)
    result = await run_rebalance(node, ORDER, "02" + "11" * 32)  # type: ignore[arg-type]
    assert node.calls == [(400_000, 2_000_000), (200_000, 1_000_000), (100_000, 500_000)]
    assert result.succeeded and result.moved_sat == 100_000
    assert result.fee_msat == 100_000  # 1000 ppm of 100,000 sat
    assert result.cost_ppm == 1000
    assert result.fee_msat <= fee_limit_msat(100_000, ORDER)


async def test_every_amount_failing_reports_it() -> None:
    result = await run_rebalance(PayingNode(max_ok_sat=0), ORDER, "02")  # type: ignore[arg-type]
    assert not result.succeeded and result.error == "every amount failed"
    assert len(result.attempts) == 4


async def test_payment_errors_shrink_transport_errors_stop() -> None:
    failed = await run_rebalance(PayingNode(0, raise_on=PaymentFailed), ORDER, "02")  # type: ignore[arg-type]
    assert len(failed.attempts) == 4
    stopped = await run_rebalance(PayingNode(0, raise_on=BackendUnavailable), ORDER, "02")  # type: ignore[arg-type]
    assert len(stopped.attempts) == 1 and stopped.error.startswith("stopped")


async def test_in_flight_stops_without_paying_again() -> None:
    node = PayingNode(10**9, status_when_ok=PaymentStatus.IN_FLIGHT)
    result = await run_rebalance(node, ORDER, "02")  # type: ignore[arg-type]
    assert len(node.calls) == 1 and "in flight" in result.error


async def test_refused_without_capability() -> None:
    node = PayingNode(10**9, capabilities=frozenset({Capability.ADD_INVOICE}))
    with pytest.raises(CapabilityMissing, match="pay_self"):
        await run_rebalance(node, ORDER, "02")  # type: ignore[arg-type]
    assert node.calls == []


async def test_below_minimum_does_nothing() -> None:
    small = RebalanceOrder(2, "bb:0", 1, 1_000, 10, min_amount_sat=50_000)
    result = await run_rebalance(PayingNode(10**9), small, "02")  # type: ignore[arg-type]
    assert result.attempts == () and "below the minimum" in result.error


def test_cost_against_earnings() -> None:
    events = [ForwardingEvent(10**9 * t, 1, 2, 1_001_000, 1_000_000, 1000) for t in (50, 150, 250)]
    assert channel_earnings_msat(events, 2, since_s=100) == 2000
    result = RebalanceResult(ORDER, 100_000, 500, channel_earnings_msat=2000)
    assert result.cost_to_earnings == 0.25
    assert RebalanceResult(ORDER, 0, 0).cost_to_earnings is None
    assert RebalanceResult(ORDER, 0, 0).cost_ppm is None


@given(target=st.integers(1, 10**8), minimum=st.integers(1, 10**7), budget=st.integers(0, 10**9))
def test_no_attempt_exceeds_the_budgets_ppm(target: int, minimum: int, budget: int) -> None:
    order = RebalanceOrder(2, "bb:0", 1, target, budget, min_amount_sat=minimum)
    amounts = amount_candidates(target, minimum)
    assert all(a >= minimum for a in amounts)
    assert amounts == sorted(amounts, reverse=True)
    for amount in amounts:
        # limit / amount <= budget / target, in integers
        assert fee_limit_msat(amount, order) * target <= budget * amount
