"""Circular rebalancing: our own invoice, paid out of the source channel, back in through the target.

The amount search starts at the requested amount and halves on failure down to the minimum; each
attempt's fee limit is the validator's budget pro rata, so a smaller amount never gets a worse
price per sat. Nothing here retries a payment that may still be in flight.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from lnpilot.backends.base import BackendError, Capability, CapabilityMissing, NodeBackend, PaymentFailed
from lnpilot.domain.node import ForwardingEvent, PaymentStatus
from lnpilot.execution.actions import RebalanceOrder

_NS = 1_000_000_000


def amount_candidates(target_sat: int, min_sat: int) -> list[int]:
    """Target first, then halves, never below ``min_sat`` (an empty list when target < min)."""
    amounts: list[int] = []
    amount = target_sat
    while amount >= max(min_sat, 1):
        amounts.append(amount)
        amount //= 2
    return amounts


def fee_limit_msat(amount_sat: int, order: RebalanceOrder) -> int:
    """The budget's share for ``amount_sat``, rounded down: never above the validator's ppm."""
    if order.amount_sat <= 0:
        return 0
    return order.max_fee_msat * amount_sat // order.amount_sat


def channel_earnings_msat(forwards: Sequence[ForwardingEvent], chan_id: int, since_s: int) -> int:
    """Fees the channel earned as the outgoing side of forwards since ``since_s``."""
    return sum(e.fee_msat for e in forwards if e.chan_id_out == chan_id and e.timestamp_ns >= since_s * _NS)


@dataclass(frozen=True, slots=True)
class Attempt:
    amount_sat: int
    fee_limit_msat: int
    status: str  # PaymentStatus value, or "error"
    fee_msat: int
    failure_reason: str = ""
    payment_hash: str = ""  # hex; the ledger matches it to the node's payment list


@dataclass(frozen=True, slots=True)
class RebalanceResult:
    order: RebalanceOrder
    moved_sat: int  # 0 when every attempt failed
    fee_msat: int
    attempts: tuple[Attempt, ...] = field(default=())
    error: str = ""
    # What the target channel earned over the look-back, for the cost/earnings record.
    channel_earnings_msat: int | None = None

    @property
    def succeeded(self) -> bool:
        return self.moved_sat > 0

    @property
    def payment_hash(self) -> str:
        """The hash of the payment that moved the liquidity ("" when none did)."""
        return next((a.payment_hash for a in self.attempts if a.status == "SUCCEEDED"), "")

    @property
    def cost_ppm(self) -> float | None:
        return self.fee_msat * 1000 / self.moved_sat if self.moved_sat else None

    @property
    def cost_to_earnings(self) -> float | None:
        """Fees paid per msat the channel earned; None when it earned nothing or nothing moved."""
        if not self.moved_sat or not self.channel_earnings_msat:
            return None
        return self.fee_msat / self.channel_earnings_msat


def require_rebalance_capability(backend: NodeBackend) -> None:
    missing = {Capability.PAY_SELF, Capability.ADD_INVOICE} - set(backend.capabilities)
    if missing:
        names = ", ".join(sorted(m.value for m in missing))
        raise CapabilityMissing(
            f"this node backend cannot rebalance (missing: {names}): a circular rebalance needs a "
            "payment with a chosen outgoing channel and last hop (LNbits' API offers neither), so it "
            "stays a recommendation"
        )


async def run_rebalance(
    backend: NodeBackend, order: RebalanceOrder, peer_pubkey: str, *, timeout_s: int = 60
) -> RebalanceResult:
    """Try the amounts in turn until one payment succeeds; stop at an in-flight or transport error."""
    require_rebalance_capability(backend)
    attempts: list[Attempt] = []
    for amount in amount_candidates(order.amount_sat, order.min_amount_sat):
        limit = fee_limit_msat(amount, order)
        try:
            invoice = await backend.add_invoice(
                amount * 1000, f"lnpilot rebalance into {order.target_chan_id}"
            )
            payment = await backend.pay_self(
                invoice.payment_request, order.source_chan_id, peer_pubkey, limit, timeout_s
            )
        except PaymentFailed as exc:
            attempts.append(Attempt(amount, limit, "error", 0, str(exc)))
            continue
        except BackendError as exc:
            attempts.append(Attempt(amount, limit, "error", 0, str(exc)))
            return RebalanceResult(order, 0, 0, tuple(attempts), error=f"stopped: {exc}")
        attempts.append(
            Attempt(
                amount,
                limit,
                payment.status.value,
                payment.fee_msat,
                payment.failure_reason,
                payment.payment_hash or invoice.r_hash_hex,
            )
        )
        if payment.status is PaymentStatus.SUCCEEDED:
            return RebalanceResult(order, amount, payment.fee_msat, tuple(attempts))
        if payment.status is PaymentStatus.IN_FLIGHT:
            # Paying again could move the liquidity twice; the operator must look first.
            return RebalanceResult(order, 0, 0, tuple(attempts), error="payment still in flight: stopped")
    if not attempts:
        return RebalanceResult(
            order,
            0,
            0,
            (),
            error=f"amount {order.amount_sat} sat is below the minimum {order.min_amount_sat} sat",
        )
    return RebalanceResult(order, 0, 0, tuple(attempts), error="every amount failed")
