"""What ``lnpilot apply`` decides on: channel views read live from the node.

Only what the backend reports is filled in: the channel, our policy, the forwards of the
look-back and, when the node can describe the public graph, the peer's policy toward us and the
capacity-weighted median fee of the competitors toward the same peer. Everything else stays
absent, so the decision engine says what it could not judge instead of acting on an invented value.
"""

from __future__ import annotations

from lnpilot.backends.base import BackendError, Capability, NodeBackend
from lnpilot.domain.channel_view import ChannelView
from lnpilot.domain.graph import Graph, RoutingPolicy
from lnpilot.errors import LnpilotError

_DAY_S = 86_400


async def _graph(backend: NodeBackend) -> Graph | None:
    if Capability.DESCRIBE_GRAPH not in backend.capabilities:
        return None
    from lnpilot.graph.ingest import parse_graph_bytes

    try:
        return parse_graph_bytes(await backend.describe_graph()).graph
    except LnpilotError:
        return None


async def live_views(backend: NodeBackend, now: int, lookback_days: float = 30.0) -> list[ChannelView]:
    from lnpilot.scoring.channel_inputs import competitor_fee

    channels = await backend.list_channels()
    forwards = (
        await backend.forwarding_history(now - int(lookback_days * _DAY_S), now + 1)
        if Capability.FORWARDING_HISTORY in backend.capabilities
        else []  # LNbits: no per-channel forwards; the views say so through their empty history
    )
    graph = await _graph(backend)
    ours = {c.chan_id for c in channels}
    edges = {c.chan_id: c for c in graph.channels} if graph is not None else {}
    views = []
    for channel in channels:
        policy: RoutingPolicy | None
        try:
            policy = await backend.get_policy(channel.channel_point)
        except BackendError:
            policy = None
        edge = edges.get(channel.chan_id)
        peer_policy = None
        if edge is not None and channel.remote_pubkey in (edge.node1, edge.node2):
            peer_policy = edge.policy_of(channel.remote_pubkey)
        competitors = competitor_fee(graph, channel.remote_pubkey, ours) if graph is not None else None
        views.append(
            ChannelView(
                channel=channel,
                now=now,
                policy=policy,
                peer_policy=peer_policy,
                competitor_fee_ppm=None if competitors is None else competitors.fee_ppm,
                competitor_channel_count=0 if competitors is None else competitors.channel_count,
                forwards=tuple(e for e in forwards if channel.chan_id in (e.chan_id_in, e.chan_id_out)),
            )
        )
    return views
