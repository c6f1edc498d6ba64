"""A small in-memory node for the executor's unit tests of failure paths (simnet covers the rest).

It keeps policies per channel point, applies complete updates, reads them back, and can be
scripted to fail: transient errors, refusals, silently altered fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from lnpilot.backends.base import BackendUnavailable, Capability, PolicyUpdateFailed
from lnpilot.domain.graph import RoutingPolicy
from lnpilot.domain.node import (
    ForwardingEvent,
    Invoice,
    LocalChannel,
    NodeInfo,
    PaymentResult,
    PaymentStatus,
    PolicyUpdateResult,
)
from lnpilot.execution.verify import differences

PEER = "02" + "ab" * 32
OURS = "03" + "cd" * 32


def policy(fee_rate_ppm: int = 100, base_fee_msat: int = 1000) -> RoutingPolicy:
    return RoutingPolicy(base_fee_msat, fee_rate_ppm, 40, 1000, 990_000_000)


@dataclass
class MemoryNode:
    policies: dict[str, RoutingPolicy]
    capabilities: frozenset[Capability] = frozenset(Capability)
    transient_failures: int = 0  # the next N calls raise BackendUnavailable
    refuse: set[str] = field(default_factory=set)  # channel points whose updates are refused
    alter_fee_rate: set[str] = field(default_factory=set)  # node silently caps the fee rate
    read_fails_after_update: bool = False
    updates_sent: list[tuple[str, RoutingPolicy]] = field(default_factory=list)
    forwards: list[ForwardingEvent] = field(default_factory=list)
    clock_s: int = 1_700_000_000
    reads: dict[str, int] = field(default_factory=dict)  # read calls per kind (one read per kind)

    def _maybe_fail(self) -> None:
        if self.transient_failures > 0:
            self.transient_failures -= 1
            raise BackendUnavailable("connection refused")

    async def get_policy(self, channel_point: str) -> RoutingPolicy:
        self.reads["get_policy"] = self.reads.get("get_policy", 0) + 1
        self._maybe_fail()
        return self.policies[channel_point]

    async def update_channel_policy(self, channel_point: str, new: RoutingPolicy) -> PolicyUpdateResult:
        self._maybe_fail()
        if channel_point in self.refuse:
            raise PolicyUpdateFailed("update refused", reason="UPDATE_FAILURE_PENDING")
        self.updates_sent.append((channel_point, new))
        applied = replace(new, last_update=self.clock_s)
        if channel_point in self.alter_fee_rate:
            applied = replace(applied, fee_rate_ppm=min(new.fee_rate_ppm, 5000))
        self.policies[channel_point] = applied
        if self.read_fails_after_update:
            raise BackendUnavailable("read-back timed out")
        return PolicyUpdateResult(channel_point, new, applied, dict(differences(new, applied)))

    async def get_info(self) -> NodeInfo:
        self.reads["get_info"] = self.reads.get("get_info", 0) + 1
        self._maybe_fail()
        return NodeInfo(OURS, "memory", len(self.policies), 0, 0, 1, 800_000, True)

    async def list_channels(self) -> list[LocalChannel]:
        self.reads["list_channels"] = self.reads.get("list_channels", 0) + 1
        self._maybe_fail()
        return [
            LocalChannel(i + 1, cp, PEER, 1_000_000, 500_000, 500_000, True)
            for i, cp in enumerate(self.policies)
        ]

    async def forwarding_history(self, start_s: int, end_s: int) -> list[ForwardingEvent]:
        return [e for e in self.forwards if start_s * 10**9 <= e.timestamp_ns < end_s * 10**9]

    async def add_invoice(self, value_msat: int, memo: str, expiry_s: int = 3600) -> Invoice:
        return Invoice("00" * 32, f"lnbcrt{value_msat}", value_msat, False, memo=memo)

    async def pay_self(
        self,
        payment_request: str,
        outgoing_chan_id: int,
        last_hop_pubkey: str,
        fee_limit_msat: int,
        timeout_s: int,
    ) -> PaymentResult:
        value_msat = int(payment_request.removeprefix("lnbcrt"))
        return PaymentResult("00" * 32, PaymentStatus.SUCCEEDED, value_msat, min(fee_limit_msat, 1000))
