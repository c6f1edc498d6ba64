"""Everything the pure core knows about one of our channels at one instant.

Built at the edge (from the store and the graph) and handed to scoring and decisions, which
never do I/O. Any field may be missing (``None`` or empty): the consumers then say what they
could not judge instead of inventing a value.
"""

from __future__ import annotations

from dataclasses import dataclass

from lnpilot.domain.balance_flow import FLOW_SOURCE_ESTIMATE, FLOW_SOURCE_FORWARDS, BalanceFlow
from lnpilot.domain.graph import RoutingPolicy
from lnpilot.domain.metrics import NodeMetrics
from lnpilot.domain.node import ForwardingEvent, LocalChannel


@dataclass(frozen=True, slots=True)
class ChannelSnapshot:
    """One stored observation of a channel (the sync job writes one per run)."""

    taken_at: int  # unix seconds
    local_balance_sat: int
    remote_balance_sat: int
    active: bool
    capacity_sat: int
    uptime_s: int | None = None
    lifetime_s: int | None = None


@dataclass(frozen=True, slots=True)
class PolicyChange:
    changed_at: int  # unix seconds
    old: RoutingPolicy | None
    new: RoutingPolicy
    source: str = ""  # "lnpilot", "external", ...


@dataclass(frozen=True, slots=True)
class RejectedChange:
    """A fee change the automatic rollback judged harmful and undid (from the transaction log)."""

    judged_at: int  # unix seconds
    from_fee_ppm: int
    to_fee_ppm: int
    # 0..1: one minus the channel's revenue ratio after/before, adjusted by the untouched channels;
    # None when the verdict did not measure it.
    harm: float | None = None


@dataclass(frozen=True, slots=True)
class ChannelView:
    channel: LocalChannel
    now: int  # unix seconds; the core never reads the clock
    policy: RoutingPolicy | None  # our outgoing policy on this channel
    peer_policy: RoutingPolicy | None = None  # what the peer charges toward us
    peer_metrics: NodeMetrics | None = None
    # Capacity-weighted median fee rate other nodes charge for forwarding *to the same peer*.
    competitor_fee_ppm: float | None = None
    competitor_channel_count: int = 0
    network_median_fee_ppm: float | None = None
    current_block_height: int | None = None
    # Forwards touching this channel (in or out), any window; consumers filter by time.
    forwards: tuple[ForwardingEvent, ...] = ()
    # Forwards that failed because this channel lacked outbound liquidity (None: not known).
    failed_for_liquidity: int | None = None
    snapshots: tuple[ChannelSnapshot, ...] = ()
    policy_changes: tuple[PolicyChange, ...] = ()
    # Reach lost if this channel closed: nodes within N hops only through it (None: not computed).
    reach_lost_nodes: int | None = None
    reach_total_nodes: int | None = None
    # Other channels we have with the same peer.
    parallel_channels: int = 0
    # Changes on this channel the automatic rollback undid as harmful (empty: none known).
    rejected_changes: tuple[RejectedChange, ...] = ()
    # The backend has no per-channel forwards (LNbits): net flow estimated from the balance
    # snapshots instead (``forwards`` is then empty, never filled from it). None: forwards measured.
    balance_flow: BalanceFlow | None = None

    @property
    def flow_source(self) -> str:
        """Where this view's flow comes from: measured forwards, or an estimate from balances."""
        return FLOW_SOURCE_FORWARDS if self.balance_flow is None else FLOW_SOURCE_ESTIMATE

    @property
    def forwards_measured(self) -> bool:
        """False when the backend gives no per-channel forwards: an empty ``forwards`` is then
        silence (unknown), not a measured zero, and no rule may read it as "sold nothing"."""
        return self.balance_flow is None
