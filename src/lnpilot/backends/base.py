"""The one protocol everything above ``backends/`` talks to, and its typed errors."""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol, runtime_checkable

from lnpilot.domain.graph import GraphChannel, GraphNode, RoutingPolicy
from lnpilot.domain.node import (
    ClosedChannel,
    FeeReport,
    ForwardingEvent,
    Invoice,
    LocalChannel,
    NodeInfo,
    PaymentResult,
    PolicyUpdateResult,
)
from lnpilot.errors import LnpilotError


class Capability(StrEnum):
    """What a backend can do; callers ask before deciding an action is executable."""

    GET_INFO = "get_info"
    LIST_CHANNELS = "list_channels"
    CLOSED_CHANNELS = "closed_channels"
    FEE_REPORT = "fee_report"
    FORWARDING_HISTORY = "forwarding_history"
    DESCRIBE_GRAPH = "describe_graph"
    UPDATE_FEES = "update_fees"  # base fee and fee rate
    UPDATE_TIME_LOCK = "update_time_lock"
    UPDATE_HTLC_LIMITS = "update_htlc_limits"
    UPDATE_INBOUND_FEES = "update_inbound_fees"
    ADD_INVOICE = "add_invoice"
    PAY_SELF = "pay_self"  # circular rebalancing
    CLOSE_CHANNEL = "close_channel"
    CHAIN_TRANSACTIONS = "chain_transactions"  # on-chain wallet history (fees of opens/closes)
    PAYMENT_HISTORY = "payment_history"  # payments sent and invoices paid (the ledger)


class BackendError(LnpilotError):
    code = "backend-error"


class BackendUnavailable(BackendError):
    """Transient: connect errors, timeouts, 5xx, 429 (after retries were exhausted)."""

    code = "backend-unavailable"


class AuthenticationError(BackendError):
    code = "backend-authentication"


class PermissionDenied(BackendError):
    code = "backend-permission"


class BackendNotFound(BackendError):
    code = "backend-not-found"


class PolicyUpdateFailed(BackendError):
    """The node refused the update (LND ``failed_updates`` reason, or a non-2xx answer)."""

    code = "policy-update-failed"

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason


class PaymentFailed(BackendError):
    code = "payment-failed"


class CapabilityMissing(BackendError):
    code = "capability-missing"


@runtime_checkable
class NodeBackend(Protocol):
    """Our node, whatever is behind it (LND REST, LNbits, simnet through LND REST)."""

    @property
    def capabilities(self) -> frozenset[Capability]: ...

    async def get_info(self) -> NodeInfo: ...

    async def list_channels(self) -> list[LocalChannel]: ...

    async def closed_channels(self) -> list[ClosedChannel]: ...

    async def fee_report(self) -> FeeReport: ...

    async def forwarding_history(self, start_s: int, end_s: int) -> list[ForwardingEvent]:
        """Every forward in [start_s, end_s), all pages fetched."""
        ...

    async def describe_graph(self) -> bytes:
        """The raw describegraph JSON, for ``lnpilot.graph`` to parse."""
        ...

    async def get_node(self, pub_key: str) -> GraphNode: ...

    async def get_edge(self, chan_id: int) -> GraphChannel: ...

    async def get_policy(self, channel_point: str) -> RoutingPolicy:
        """Our current complete outgoing policy on one channel."""
        ...

    async def update_channel_policy(self, channel_point: str, policy: RoutingPolicy) -> PolicyUpdateResult:
        """Send the complete policy, then read it back; the result says what really holds."""
        ...

    async def add_invoice(self, value_msat: int, memo: str, expiry_s: int = 3600) -> Invoice: ...

    async def pay_self(
        self,
        payment_request: str,
        outgoing_chan_id: int,
        last_hop_pubkey: str,
        fee_limit_msat: int,
        timeout_s: int,
    ) -> PaymentResult: ...

    async def aclose(self) -> None: ...
