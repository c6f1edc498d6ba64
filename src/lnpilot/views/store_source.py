"""Views from what the sync job stored (``lnpilot channels``, ``decide --from store``, the daemon).

One read per kind: open channels with their snapshots of the look-back, current policies, policy
history, forwards, the latest graph snapshot and its metrics. A channel without any snapshot in
the look-back has no known balance and is reported as skipped, not viewed on invented numbers.
The stored graph is parsed once per snapshot and store (the daemon asks every cycle).
"""

from __future__ import annotations

import asyncio
import weakref
from collections import defaultdict
from dataclasses import dataclass

from lnpilot.domain.channel_view import RejectedChange
from lnpilot.domain.graph import Graph
from lnpilot.domain.metrics import NodeMetrics
from lnpilot.errors import LnpilotError
from lnpilot.store import Store
from lnpilot.store.records import TransactionRecord
from lnpilot.store.uow import UnitOfWork
from lnpilot.views.balance_flow import OwnMove, own_moves_from_transactions
from lnpilot.views.builder import ChannelInput, ViewInputs, ViewSet, build_views

_DAY_S = 86_400
_NS = 1_000_000_000
# Forwards older than the scoring window still date the last forward; past 180 days its
# recency weight (halving weekly) is below 1e-7, so older history is not read.
RECENCY_LOOKBACK_S = 180 * _DAY_S


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


async def rejected_since(store: Store, now: int) -> dict[int, list[RejectedChange]]:
    async with store.unit_of_work() as uow:
        return rejected_changes(await uow.transactions.search(since=now - REJECTED_LOOKBACK_S, limit=300))


@dataclass(frozen=True, slots=True)
class _StoredGraph:
    snapshot_id: int
    taken_at: int
    graph: Graph | None
    metrics: dict[str, NodeMetrics]


# Store -> its latest parsed graph snapshot; parsing a mainnet-sized graph takes seconds.
_GRAPHS: weakref.WeakKeyDictionary[Store, _StoredGraph] = weakref.WeakKeyDictionary()


async def stored_graph(store: Store) -> _StoredGraph | None:
    """The latest stored graph snapshot, parsed, with its node metrics (cached per snapshot)."""
    from lnpilot.graph.ingest import parse_graph_bytes

    async with store.unit_of_work() as uow:
        record = await uow.graph.latest_snapshot()
        if record is None:
            return None
        cached = _GRAPHS.get(store)
        if cached is not None and cached.snapshot_id == record.id and cached.taken_at == record.taken_at:
            return cached
        metrics = await uow.graph.metrics_of_snapshot(record.id)
        raw = await uow.graph.raw_graph(record.id)
    graph = None
    if raw is not None:
        try:
            # CPU-bound on a large graph: a thread keeps the event loop (API, daemon signals) responsive.
            graph = (await asyncio.to_thread(parse_graph_bytes, raw, record.taken_at)).graph
        except LnpilotError:
            graph = None  # a stored snapshot we cannot read: views without graph inputs
    loaded = _StoredGraph(record.id, record.taken_at, graph, {m.pub_key: m for m in metrics})
    _GRAPHS[store] = loaded
    return loaded


async def failed_for_liquidity(uow: UnitOfWork, since_s: int, until_s: int) -> dict[int, int] | None:
    """Liquidity failures per outgoing channel from the stored HTLC events; None when no
    subscription covered any of the window (then the count is unknown, not zero)."""
    if not await uow.htlc.windows(since_s, until_s):
        return None
    return await uow.htlc.liquidity_counts(since_s * _NS, (until_s + 1) * _NS)


async def forwards_measured(uow: UnitOfWork) -> bool:
    """False when the latest sync found no per-channel forwards to read (then flow is estimated)."""
    return await uow.sync_state.forwards_measured()


async def own_moves_since(uow: UnitOfWork, since: int) -> dict[int, list[OwnMove]]:
    """Our own executed rebalances since ``since`` as balance moves per channel."""
    return own_moves_from_transactions(await uow.transactions.search(since=since, limit=10_000))


async def store_inputs(
    store: Store, now: int, lookback_days: float = 30.0, block_height: int | None = None
) -> ViewInputs:
    since = now - int(lookback_days * _DAY_S)
    stored = await stored_graph(store)
    async with store.unit_of_work() as uow:
        stored_channels = await uow.channels.open_with_snapshots(since)
        policies = await uow.policies.current_all()
        changes = await uow.policies.history_all(since)
        forwards = await uow.forwards.between((now - RECENCY_LOOKBACK_S) * _NS, (now + 1) * _NS)
        failed = await failed_for_liquidity(uow, since, now)
        measured = await forwards_measured(uow)
        own = {} if measured else await own_moves_since(uow, since)
    found, missing = stored_channels.found, stored_channels.missing
    source = "given" if block_height is not None else ""
    if block_height is None and stored_channels.block_height is not None:
        block_height, source = stored_channels.block_height, "the node"
    skipped = {
        c.chan_id: f"no snapshot in the last {lookback_days:g} days (run lnpilot sync)" for c in missing
    }
    return ViewInputs(
        now=now,
        channels=[
            ChannelInput(local, policies.get(local.chan_id), snapshots, changes.get(local.chan_id, ()))
            for local, snapshots in found
        ],
        forwards=forwards,
        graph=None if stored is None else stored.graph,
        metrics={} if stored is None else stored.metrics,
        block_height=block_height,
        block_height_source=source,
        skipped=skipped,
        graph_snapshot_at=None if stored is None else stored.taken_at,
        rejected=await rejected_since(store, now),
        failed_for_liquidity=failed,
        forwards_measured=measured,
        own_moves=own,
    )


async def stored_views(
    store: Store, now: int, lookback_days: float = 30.0, block_height: int | None = None
) -> ViewSet:
    return build_views(await store_inputs(store, now, lookback_days, block_height))
