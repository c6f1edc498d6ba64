"""The public graph as domain values: nodes, channels, and each direction's routing policy."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lnpilot.domain.ids import ShortChannelId


@dataclass(frozen=True, slots=True)
class RoutingPolicy:
    """One direction of a channel: what the announcing node charges to forward out of it.

    This is also the *complete* policy lnpilot sends in an update: LND zeroes omitted fields.
    """

    base_fee_msat: int
    fee_rate_ppm: int
    time_lock_delta: int
    min_htlc_msat: int
    max_htlc_msat: int
    disabled: bool = False
    last_update: int = 0  # unix seconds of the channel_update
    inbound_base_fee_msat: int = 0
    inbound_fee_rate_ppm: int = 0

    def fee_msat(self, amount_msat: int) -> int:
        """Outbound forwarding fee for an HTLC of ``amount_msat`` (LND rounds down)."""
        return self.base_fee_msat + amount_msat * self.fee_rate_ppm // 1_000_000


@dataclass(frozen=True, slots=True)
class GraphNode:
    pub_key: str
    alias: str = ""
    addresses: tuple[str, ...] = ()
    last_update: int = 0
    color: str = ""


@dataclass(frozen=True, slots=True)
class GraphChannel:
    """An announced channel. ``node1_policy`` is the policy node1 applies when forwarding to node2."""

    chan_id: int
    node1: str
    node2: str
    capacity_sat: int
    node1_policy: RoutingPolicy | None
    node2_policy: RoutingPolicy | None
    channel_point: str = ""
    last_update: int = 0

    @property
    def scid(self) -> ShortChannelId:
        return ShortChannelId.from_chan_id(self.chan_id)

    @property
    def funding_block(self) -> int:
        return self.chan_id >> 40

    def policy_of(self, pub_key: str) -> RoutingPolicy | None:
        """The policy ``pub_key`` sets on this channel (its outgoing direction)."""
        if pub_key == self.node1:
            return self.node1_policy
        if pub_key == self.node2:
            return self.node2_policy
        raise KeyError(pub_key)

    def other(self, pub_key: str) -> str:
        if pub_key == self.node1:
            return self.node2
        if pub_key == self.node2:
            return self.node1
        raise KeyError(pub_key)


@dataclass(frozen=True, slots=True)
class Graph:
    """A snapshot of the public graph; ``taken_at`` is unix seconds (0 when unknown)."""

    nodes: Mapping[str, GraphNode]
    channels: tuple[GraphChannel, ...]
    taken_at: int = 0

    @property
    def total_capacity_sat(self) -> int:
        return sum(c.capacity_sat for c in self.channels)
