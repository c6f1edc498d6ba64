"""ChannelViews from the store: what ``lnpilot channels`` scores (the I/O edge of scoring).

Everything comes from what the sync job stored: each open channel's latest snapshot (balances,
activity flag, uptime), its snapshots and policy changes of the look-back, the forwards touching
it, and the latest graph snapshot with its node metrics (the peer's metrics, the competitors'
fee toward the peer, the network median fee, the reach lost on closing). A channel without any
snapshot has no known balance and is reported as skipped, not scored on invented numbers.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from lnpilot.domain.channel_view import ChannelView, RejectedChange
from lnpilot.domain.graph import Graph
from lnpilot.domain.metrics import NodeMetrics
from lnpilot.domain.node import ForwardingEvent, LocalChannel
from lnpilot.errors import LnpilotError
from lnpilot.scoring.channel_inputs import adjacency, channels_by_node, competitor_fee, reach_lost
from lnpilot.scoring.context import ScoringContext, build_context
from lnpilot.store import Store
from lnpilot.store.records import TransactionRecord

_DAY_S = 86_400
_NS = 1_000_000_000
REACH_HOPS = 3
# Forwards older than the scoring window still date the last forward; past 180 days its
# recency weight (halving weekly) is below 1e-7, so older history is not read.
RECENCY_LOOKBACK_S = 180 * _DAY_S


@dataclass(frozen=True, slots=True)
class StoredViews:
    views: list[ChannelView]
    context: ScoringContext | None
    skipped: dict[int, str] = field(default_factory=dict)  # chan_id -> why it has no view
    graph_snapshot_at: int | None = None
    block_height: int | None = None
    block_height_source: str = ""


def newest_funding_block(graph: Graph) -> int | None:
    """The funding block of the newest announced channel: a lower bound of the chain height
    when the snapshot was taken (channels are announced after 6 confirmations)."""
    return max((c.chan_id >> 40 for c in graph.channels), default=None)


def our_pubkey(graph: Graph, channels: list[LocalChannel]) -> str | None:
    """Our node in the public graph: the other end of any of our announced channels."""
    edges = {c.chan_id: c for c in graph.channels}
    for chan in channels:
        edge = edges.get(chan.chan_id)
        if edge is not None and chan.remote_pubkey in (edge.node1, edge.node2):
            return edge.other(chan.remote_pubkey)
    return None


async def _load_graph(store: Store) -> tuple[Graph | None, list[NodeMetrics], int | None]:
    from lnpilot.graph.ingest import parse_graph_bytes

    async with store.unit_of_work() as uow:
        record = await uow.graph.latest_snapshot()
        if record is None:
            return None, [], None
        metrics = await uow.graph.metrics_of_snapshot(record.id)
        raw = await uow.graph.raw_graph(record.id)
    graph = None
    if raw is not None:
        try:
            graph = parse_graph_bytes(raw, record.taken_at).graph
        except LnpilotError:
            graph = None  # a stored snapshot we cannot read: score without graph inputs
    return graph, list(metrics), record.taken_at


REJECTED_LOOKBACK_S = 60 * _DAY_S  # the rollback memory's repeat window (decisions.liquidity)


def rejected_changes(records: list[TransactionRecord]) -> dict[int, list[RejectedChange]]:
    """Changes the automatic rollback judged harmful, per channel, from transaction records."""
    out: dict[int, list[RejectedChange]] = defaultdict(list)
    for record in records:
        for item in record.items:
            verdict = (item.result or {}).get("auto_rollback") or {}
            if verdict.get("verdict") != "rollback" or not item.backup_policy:
                continue
            try:
                before = int(item.backup_policy["fee_rate_ppm"])
                after = int(item.requested_policy["fee_rate_ppm"])
                judged_at = int(verdict.get("judged_at", record.updated_at))
            except (KeyError, TypeError, ValueError):
                continue  # an item we cannot read teaches nothing
            ratio = verdict.get("revenue_ratio_adjusted")
            harm = None if not isinstance(ratio, int | float) else max(0.0, min(1.0, 1.0 - float(ratio)))
            out[item.chan_id].append(RejectedChange(judged_at, before, after, harm))
    return out


async def stored_views(
    store: Store, now: int, lookback_days: float = 30.0, block_height: int | None = None
) -> StoredViews:
    since = now - int(lookback_days * _DAY_S)
    graph, metric_rows, graph_at = await _load_graph(store)
    async with store.unit_of_work() as uow:
        tracked = await uow.channels.all()
        forwards = await uow.forwards.between((now - RECENCY_LOOKBACK_S) * _NS, (now + 1) * _NS)
        per_channel: dict[int, list[ForwardingEvent]] = defaultdict(list)
        for event in forwards:
            per_channel[event.chan_id_in].append(event)
            if event.chan_id_out != event.chan_id_in:
                per_channel[event.chan_id_out].append(event)
        rows = []
        skipped: dict[int, str] = {}
        for chan in tracked:
            snapshots = await uow.channels.snapshots(chan.chan_id, since=since)
            if not snapshots:
                skipped[chan.chan_id] = f"no snapshot in the last {lookback_days:g} days (run lnpilot sync)"
                continue
            latest = snapshots[-1]
            local = LocalChannel(
                chan_id=chan.chan_id,
                channel_point=chan.channel_point,
                remote_pubkey=chan.remote_pubkey,
                capacity_sat=latest.capacity_sat,
                local_balance_sat=latest.local_balance_sat,
                remote_balance_sat=latest.remote_balance_sat,
                active=latest.active,
                private=chan.private,
                initiator=chan.initiator,
                uptime_s=latest.uptime_s,
                lifetime_s=latest.lifetime_s,
            )
            policy = await uow.policies.current(chan.chan_id)
            changes = await uow.policies.history(chan.chan_id, since=since)
            rows.append((local, policy, changes, snapshots))
        rejected = rejected_changes(await uow.transactions.search(since=now - REJECTED_LOOKBACK_S, limit=300))
    metrics = {m.pub_key: m for m in metric_rows}
    context = build_context(metrics, graph) if metrics else None
    source = "given" if block_height is not None else ""
    if block_height is None and graph is not None:
        block_height = newest_funding_block(graph)
        source = "newest channel in the graph snapshot (a lower bound)" if block_height is not None else ""
    locals_ = [r[0] for r in rows]
    us = our_pubkey(graph, locals_) if graph is not None else None
    adj = adjacency(graph) if graph is not None and us is not None else None
    ours = {c.chan_id for c in locals_}
    parallel: dict[str, int] = defaultdict(int)
    for local_chan in locals_:
        parallel[local_chan.remote_pubkey] += 1
    index = channels_by_node(graph) if graph is not None else {}
    edges = {c.chan_id: c for c in graph.channels} if graph is not None else {}
    views = []
    for local, policy, changes, snapshots in rows:
        peer = local.remote_pubkey
        competitors = competitor_fee(graph, peer, ours, index) if graph is not None else None
        reach = reach_lost(adj, us, peer, REACH_HOPS) if adj is not None and us is not None else None
        edge = edges.get(local.chan_id)
        edge_policy = edge.policy_of(peer) if edge is not None and peer in (edge.node1, edge.node2) else None
        views.append(
            ChannelView(
                channel=local,
                now=now,
                policy=policy,
                peer_policy=edge_policy,
                peer_metrics=metrics.get(peer),
                competitor_fee_ppm=None if competitors is None else competitors.fee_ppm,
                competitor_channel_count=0 if competitors is None else competitors.channel_count,
                network_median_fee_ppm=None if context is None else context.network_median_fee_ppm,
                current_block_height=block_height,
                forwards=tuple(per_channel.get(local.chan_id, ())),
                snapshots=snapshots,
                policy_changes=changes,
                reach_lost_nodes=None if reach is None else reach.lost_nodes,
                reach_total_nodes=None if reach is None else reach.total_nodes,
                parallel_channels=parallel[peer] - 1,
                rejected_changes=tuple(rejected.get(local.chan_id, ())),
            )
        )
    return StoredViews(views, context, skipped, graph_at, block_height, source)
