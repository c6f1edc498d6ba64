"""Views read live from the node (``lnpilot apply`` and ``decide`` by default).

One read per kind: node info (our key, the chain height), the channel list, the forwards of the
look-back and the public graph. Our policies come from our edges in that graph; only a channel
the graph lacks (private, or not yet announced) costs one more read. What a node cannot tell
(snapshot history, policy history, graph metrics) comes from the store when one is given, so a
live view and a stored view of the same node state are equal (tests/views).
"""

from __future__ import annotations

from lnpilot.backends.base import BackendError, Capability, NodeBackend
from lnpilot.domain.channel_view import ChannelSnapshot, PolicyChange, RejectedChange
from lnpilot.domain.graph import Graph, RoutingPolicy
from lnpilot.domain.metrics import NodeMetrics
from lnpilot.domain.node import LocalChannel
from lnpilot.errors import LnpilotError
from lnpilot.store import Store
from lnpilot.views.balance_flow import OwnMove
from lnpilot.views.builder import ChannelInput, ViewInputs, ViewSet, build_views
from lnpilot.views.store_source import (
    RECENCY_LOOKBACK_S,
    failed_for_liquidity,
    own_moves_since,
    rejected_since,
    stored_graph,
)

_DAY_S = 86_400


async def _graph(backend: NodeBackend) -> Graph | None:
    if Capability.DESCRIBE_GRAPH not in backend.capabilities:
        return None
    from lnpilot.graph.ingest import parse_graph_bytes

    try:
        return parse_graph_bytes(await backend.describe_graph()).graph
    except LnpilotError:
        return None


async def _policies(
    backend: NodeBackend, channels: list[LocalChannel], graph: Graph | None, us: str | None
) -> dict[int, RoutingPolicy | None]:
    edges = {c.chan_id: c for c in graph.channels} if graph is not None else {}
    out: dict[int, RoutingPolicy | None] = {}
    for channel in channels:
        edge = edges.get(channel.chan_id) if getattr(backend, "graph_is_live", True) else None
        if edge is not None and us is not None and us in (edge.node1, edge.node2):
            own = edge.policy_of(us)
            if own is not None:
                out[channel.chan_id] = own
                continue
        try:
            out[channel.chan_id] = await backend.get_policy(channel.channel_point)
        except BackendError:
            out[channel.chan_id] = None  # unknown, never guessed
    return out


async def live_inputs(
    backend: NodeBackend, now: int, history: Store | None = None, lookback_days: float = 30.0
) -> ViewInputs:
    us: str | None = None
    height: int | None = None
    if Capability.GET_INFO in backend.capabilities:
        info = await backend.get_info()
        us, height = info.pub_key, info.block_height
    channels = await backend.list_channels()
    measured = Capability.FORWARDING_HISTORY in backend.capabilities
    # LNbits: no per-channel forwards; the views carry a flow estimated from stored balances instead.
    forwards = await backend.forwarding_history(now - RECENCY_LOOKBACK_S, now + 1) if measured else []
    graph = await _graph(backend)
    policies = await _policies(backend, channels, graph, us)
    snapshots: dict[int, tuple[ChannelSnapshot, ...]] = {}
    changes: dict[int, tuple[PolicyChange, ...]] = {}
    metrics: dict[str, NodeMetrics] = {}
    rejected: dict[int, list[RejectedChange]] = {}
    failed: dict[int, int] | None = None
    own: dict[int, list[OwnMove]] = {}
    if history is not None:
        since = now - int(lookback_days * _DAY_S)
        async with history.unit_of_work() as uow:
            stored_channels = await uow.channels.open_with_snapshots(since)
            changes = dict(await uow.policies.history_all(since))
            failed = await failed_for_liquidity(uow, since, now)
            if not measured:
                own = await own_moves_since(uow, since)
        snapshots = {local.chan_id: snaps for local, snaps in stored_channels.found}
        stored = await stored_graph(history)
        metrics = {} if stored is None else stored.metrics
        rejected = await rejected_since(history, now)
    return ViewInputs(
        now=now,
        channels=[
            ChannelInput(c, policies[c.chan_id], snapshots.get(c.chan_id, ()), changes.get(c.chan_id, ()))
            for c in channels
        ],
        forwards=forwards,
        graph=graph,
        metrics=metrics,
        block_height=height,
        block_height_source="the node" if height is not None else "",
        our_pubkey=us,
        rejected=rejected,
        failed_for_liquidity=failed,
        forwards_measured=measured,
        own_moves=own,
    )


async def live_views(
    backend: NodeBackend, now: int, history: Store | None = None, lookback_days: float = 30.0
) -> ViewSet:
    return build_views(await live_inputs(backend, now, history, lookback_days))
