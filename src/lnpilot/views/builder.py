"""The one builder of ChannelViews: source-neutral inputs in, every field of every view out.

Pure (no I/O, no clock). The store source (``views.store_source``) and the live source
(``views.live_source``) only gather ``ViewInputs``; everything derived (the channel's forwards,
the peer's policy and metrics, the competitors' fee, the network median, reach lost, parallel
channels, the block height fallback) is computed here, once, so both sources fill each field the
same way and a test can compare them field by field on the same node state.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from lnpilot.domain.balance_flow import FLOW_SOURCE_ESTIMATE, FLOW_SOURCE_FORWARDS
from lnpilot.domain.channel_view import ChannelSnapshot, ChannelView, PolicyChange, RejectedChange
from lnpilot.domain.graph import Graph, RoutingPolicy
from lnpilot.domain.metrics import NodeMetrics
from lnpilot.domain.node import ForwardingEvent, LocalChannel
from lnpilot.scoring.channel_inputs import adjacency, channels_by_node, competitor_fee, reach_lost_by_peer
from lnpilot.scoring.context import ScoringContext, build_context
from lnpilot.views.balance_flow import OwnMove, balance_flow

REACH_HOPS = 3


@dataclass(frozen=True, slots=True)
class ChannelInput:
    """One open channel as a source knows it."""

    channel: LocalChannel
    policy: RoutingPolicy | None  # our outgoing policy (None: unknown)
    snapshots: tuple[ChannelSnapshot, ...] = ()
    policy_changes: tuple[PolicyChange, ...] = ()


@dataclass(frozen=True, slots=True)
class ViewInputs:
    now: int
    channels: Sequence[ChannelInput]
    forwards: Sequence[ForwardingEvent] = ()
    graph: Graph | None = None
    metrics: Mapping[str, NodeMetrics] = field(default_factory=dict)
    block_height: int | None = None
    block_height_source: str = ""
    our_pubkey: str | None = None  # None: found from the graph
    # chan_id -> forwards that failed for lack of outbound liquidity; None: the source does not know.
    failed_for_liquidity: Mapping[int, int] | None = None
    skipped: Mapping[int, str] = field(default_factory=dict)  # chan_id -> why it has no view
    graph_snapshot_at: int | None = None
    # chan_id -> changes the automatic rollback judged harmful (the rollback memory).
    rejected: Mapping[int, Sequence[RejectedChange]] = field(default_factory=dict)
    # False when the backend gives no per-channel forwards (LNbits): each view then carries a net
    # flow estimated from its balance snapshots, our own moves (``own_moves``) taken out.
    forwards_measured: bool = True
    own_moves: Mapping[int, Sequence[OwnMove]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ViewSet:
    views: list[ChannelView]
    context: ScoringContext | None
    skipped: dict[int, str] = field(default_factory=dict)  # chan_id -> why it has no view
    graph_snapshot_at: int | None = None
    block_height: int | None = None
    block_height_source: str = ""
    flow_source: str = FLOW_SOURCE_FORWARDS  # or FLOW_SOURCE_ESTIMATE (no per-channel forwards)
    # Our peers' aliases from the graph (pubkey -> alias); a peer without one is absent.
    aliases: dict[str, str] = field(default_factory=dict)

    def alias_of(self, chan_id: int) -> str:
        """The alias of the channel's peer, "" when the graph does not name it."""
        for view in self.views:
            if view.channel.chan_id == chan_id:
                return self.aliases.get(view.channel.remote_pubkey, "")
        return ""


def newest_funding_block(graph: Graph) -> int | None:
    """The funding block of the newest announced channel: a lower bound of the chain height
    when the snapshot was taken (channels are announced after 6 confirmations)."""
    return max((c.chan_id >> 40 for c in graph.channels), default=None)


def our_pubkey(graph: Graph, channels: Sequence[LocalChannel]) -> str | None:
    """Our node in the public graph: the other end of any of our announced channels."""
    edges = {c.chan_id: c for c in graph.channels}
    for chan in channels:
        edge = edges.get(chan.chan_id)
        if edge is not None and chan.remote_pubkey in (edge.node1, edge.node2):
            return edge.other(chan.remote_pubkey)
    return None


def build_views(inputs: ViewInputs) -> ViewSet:
    graph = inputs.graph
    locals_ = [c.channel for c in inputs.channels]
    per_channel: dict[int, list[ForwardingEvent]] = defaultdict(list)
    for event in inputs.forwards:
        per_channel[event.chan_id_in].append(event)
        if event.chan_id_out != event.chan_id_in:
            per_channel[event.chan_id_out].append(event)
    metrics = inputs.metrics
    context = build_context(metrics, graph) if metrics else None
    block_height, source = inputs.block_height, inputs.block_height_source
    if block_height is None and graph is not None:
        block_height = newest_funding_block(graph)
        source = "newest channel in the graph snapshot (a lower bound)" if block_height is not None else ""
    us = inputs.our_pubkey
    if graph is not None and us is None:
        us = our_pubkey(graph, locals_)
    parallel: dict[str, int] = defaultdict(int)
    for chan in locals_:
        parallel[chan.remote_pubkey] += 1
    ours = {c.chan_id for c in locals_}
    index = channels_by_node(graph) if graph is not None else {}
    edges = {c.chan_id: c for c in graph.channels} if graph is not None else {}
    reach = (
        reach_lost_by_peer(adjacency(graph), us, {c.remote_pubkey for c in locals_}, REACH_HOPS)
        if graph is not None and us is not None
        else {}
    )
    failed = inputs.failed_for_liquidity
    views = []
    for item in inputs.channels:
        local = item.channel
        peer = local.remote_pubkey
        competitors = competitor_fee(graph, peer, ours, index) if graph is not None else None
        peer_reach = reach.get(peer)
        edge = edges.get(local.chan_id)
        edge_policy = edge.policy_of(peer) if edge is not None and peer in (edge.node1, edge.node2) else None
        views.append(
            ChannelView(
                channel=local,
                now=inputs.now,
                policy=item.policy,
                peer_policy=edge_policy,
                peer_metrics=metrics.get(peer),
                competitor_fee_ppm=None if competitors is None else competitors.fee_ppm,
                competitor_channel_count=0 if competitors is None else competitors.channel_count,
                network_median_fee_ppm=None if context is None else context.network_median_fee_ppm,
                current_block_height=block_height,
                forwards=tuple(per_channel.get(local.chan_id, ())),
                failed_for_liquidity=None if failed is None else failed.get(local.chan_id, 0),
                snapshots=item.snapshots,
                policy_changes=item.policy_changes,
                reach_lost_nodes=None if peer_reach is None else peer_reach.lost_nodes,
                reach_total_nodes=None if peer_reach is None else peer_reach.total_nodes,
                parallel_channels=parallel[peer] - 1,
                rejected_changes=tuple(inputs.rejected.get(local.chan_id, ())),
                balance_flow=(
                    None
                    if inputs.forwards_measured
                    else balance_flow(item.snapshots, inputs.own_moves.get(local.chan_id, ()))
                ),
            )
        )
    flow_source = FLOW_SOURCE_FORWARDS if inputs.forwards_measured else FLOW_SOURCE_ESTIMATE
    aliases: dict[str, str] = {}
    if graph is not None:
        for peer in parallel:
            node = graph.nodes.get(peer)
            if node is not None and node.alias:
                aliases[peer] = node.alias
    return ViewSet(
        views,
        context,
        dict(inputs.skipped),
        inputs.graph_snapshot_at,
        block_height,
        source,
        flow_source,
        aliases,
    )
