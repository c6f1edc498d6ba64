"""What a backend offers about payments: the node's sent payments and its invoices, page by page.

A separate protocol from ``NodeBackend`` (only LND, and simnet through LND REST, have it);
callers check ``isinstance(backend, PaymentHistoryBackend)`` and the capability.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from lnpilot.domain.payments import NodeInvoice, NodePayment


@dataclass(frozen=True, slots=True)
class PaymentsPage:
    payments: list[NodePayment]
    last_index_offset: int


@dataclass(frozen=True, slots=True)
class InvoicesPage:
    invoices: list[NodeInvoice]
    last_index_offset: int


@runtime_checkable
class PaymentHistoryBackend(Protocol):
    async def payments_page(self, index_offset: int, max_payments: int, own_pubkey: str) -> PaymentsPage:
        """Payments after ``index_offset`` (failed and in-flight ones included), oldest first."""
        ...

    async def invoices_page(self, index_offset: int, max_invoices: int) -> InvoicesPage:
        """Invoices with ``add_index`` after ``index_offset``, oldest first."""
        ...
