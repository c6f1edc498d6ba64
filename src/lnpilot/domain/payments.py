"""Payments our node sent and invoices it was paid (LND ``ListPayments`` / ``ListInvoices``).

A circular rebalance is both: a payment to ourselves (its destination is our own node) and the
settled invoice it paid. The ledger counts it once, as a rebalance fee (``lnpilot.accounting``).
"""

from __future__ import annotations

from dataclasses import dataclass

PAYMENT_FINAL = frozenset({"SUCCEEDED", "FAILED"})
INVOICE_PENDING = frozenset({"OPEN", "ACCEPTED"})


@dataclass(frozen=True, slots=True)
class NodePayment:
    payment_hash: str  # hex
    payment_index: int  # LND's sequence number (the ListPayments offset)
    status: str  # SUCCEEDED | FAILED | IN_FLIGHT | INITIATED
    value_msat: int
    fee_msat: int
    created_at_s: int
    settled_at_s: int  # resolve time of the last succeeded HTLC; 0 when none succeeded
    destination: str = ""  # pubkey of the succeeded route's last hop ("" when none succeeded)
    first_hop_chan_id: int | None = None
    last_hop_chan_id: int | None = None  # the channel it arrived by (for a self-payment: refilled)
    self_payment: bool = False  # destination is our own node: a circular rebalance

    @property
    def succeeded(self) -> bool:
        return self.status == "SUCCEEDED"

    @property
    def pending(self) -> bool:
        return self.status not in PAYMENT_FINAL


@dataclass(frozen=True, slots=True)
class NodeInvoice:
    r_hash: str  # hex
    add_index: int
    state: str  # OPEN | SETTLED | CANCELED | ACCEPTED
    value_msat: int
    amt_paid_msat: int
    created_at_s: int
    settled_at_s: int
    expiry_s: int
    memo: str = ""

    @property
    def settled(self) -> bool:
        return self.state == "SETTLED"

    def pending_at(self, now_s: int) -> bool:
        """Could still be paid at ``now_s`` (LND cancels an open invoice once it expires)."""
        if self.state not in INVOICE_PENDING:
            return False
        return self.state == "ACCEPTED" or self.created_at_s + self.expiry_s > now_s
