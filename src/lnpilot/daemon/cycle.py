"""One daemon cycle: sync -> scores -> decisions -> validation -> execution -> rollback watch.

Every step calls the one existing implementation (``SyncJob``, ``score_channels``,
``score_graph``, ``decide_and_apply``, ``check_auto_rollbacks_from_settings``); this module only
sequences them, records the shadow log and feeds metrics and notifications.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from lnpilot.daemon.clock import Clock
from lnpilot.execution.executor import Executor
from lnpilot.execution.plan import Mode
from lnpilot.logs import get_logger
from lnpilot.metrics.registry import Metrics
from lnpilot.settings import Settings
from lnpilot.store import Store
from lnpilot.store.score_cache import ScoreCache

if TYPE_CHECKING:
    from lnpilot.notify.notifier import Notifier
    from lnpilot.views import ViewSet

log = get_logger(__name__)
_NS = 1_000_000_000
_DAY_S = 86_400


@dataclass
class CycleReport:
    started_at: int
    cycle_id: str
    forwards_added: int = 0
    graph_snapshot_id: int | None = None
    node_scores: int = 0
    channel_scores: int = 0
    decisions: dict[str, int] = field(default_factory=dict)
    tx_id: int | None = None
    executed: dict[str, int] = field(default_factory=dict)
    rollbacks: int = 0
    skipped_decisions: str | None = None  # why decisions did not run this cycle


@dataclass
class CycleContext:
    settings: Settings
    backend_name: str
    store: Store
    executor: Executor
    metrics: Metrics
    clock: Clock
    mode: Mode
    stop: asyncio.Event
    scores: ScoreCache
    notifier: Notifier | None = None


async def _sync(ctx: CycleContext, now: int, report: CycleReport) -> None:
    from lnpilot.sync.job import SyncJob

    backend, m = ctx.executor.backend, ctx.metrics
    async with ctx.store.unit_of_work() as uow:
        before_ns = await uow.forwards.latest_timestamp_ns()
    job = SyncJob(
        backend, ctx.store, ctx.settings.sync, graph_max_age_s=ctx.settings.daemon.graph_refresh_seconds
    )
    with m.sync_timer(), m.backend_call(ctx.backend_name):
        result = await job.run(now)
        fee_report = await backend.fee_report()
    m.set_fee_report(fee_report)
    report.forwards_added = result.forwards_added
    report.graph_snapshot_id = result.graph_snapshot_id
    if result.forwards_added:
        async with ctx.store.unit_of_work() as uow:
            start = 0 if before_ns is None else before_ns + 1
            new = await uow.forwards.between(start, (now + _DAY_S) * _NS)
        m.record_forwards(new)


async def _node_scores(ctx: CycleContext, report: CycleReport) -> None:
    """Score every node of a freshly stored graph snapshot (what ``lnpilot serve`` publishes)."""
    from lnpilot.scoring.profiles import resolve_profile
    from lnpilot.scoring.ranking import score_graph
    from lnpilot.views.store_source import stored_graph

    # Parsed once per snapshot: the channel views of this and later cycles reuse it.
    stored = await stored_graph(ctx.store)
    if stored is None:
        return
    ctx.metrics.set_graph_snapshot_time(stored.taken_at)
    graph, metrics = stored.graph, list(stored.metrics.values())
    if report.graph_snapshot_id is None or graph is None or not metrics:
        return
    profile = resolve_profile(ctx.settings.profile, ctx.settings.profiles)
    ranked = await asyncio.to_thread(score_graph, graph, metrics, profile)
    report.node_scores = await ctx.scores.save(ctx.store, [r.score for r in ranked], "node")


async def _channel_scores(ctx: CycleContext, now: int, report: CycleReport) -> ViewSet:
    from lnpilot.scoring.composite import score_channels
    from lnpilot.scoring.profiles import resolve_profile
    from lnpilot.views import stored_views

    stored = await stored_views(ctx.store, now)
    scores = score_channels(
        stored.views, resolve_profile(ctx.settings.profile, ctx.settings.profiles), stored.context
    )
    if scores:
        report.channel_scores = await ctx.scores.save(ctx.store, scores, "channel")
    return stored


async def _decide_and_execute(ctx: CycleContext, now: int, stored: ViewSet, report: CycleReport) -> None:
    from lnpilot.execution.pipeline import decide_and_apply

    with ctx.metrics.backend_call(ctx.backend_name):
        outcome = await decide_and_apply(
            ctx.settings,
            ctx.executor,
            ctx.mode,
            now,
            source="store",
            stored=stored,
            record_as="daemon",
            cycle_id=report.cycle_id,
            locked=True,  # the daemon holds the node's lock for its whole life (daemon.loop)
        )
    for d in outcome["decisions"]:
        ctx.metrics.record_decision(d["type"], d["profile"], ctx.mode.value)
    report.decisions = dict(Counter(d["type"] for d in outcome["decisions"]))
    report.tx_id = outcome.get("tx_id")
    report.executed = dict(Counter(str(r["status"]) for r in outcome.get("results", [])))


async def _rollback_watch(ctx: CycleContext, now: int, report: CycleReport) -> None:
    from lnpilot.execution.watch import check_auto_rollbacks_from_settings

    with ctx.metrics.backend_call(ctx.backend_name):
        outcomes = await check_auto_rollbacks_from_settings(ctx.executor, ctx.settings, now)
    report.rollbacks = sum(1 for o in outcomes if o.rollback is not None)


_REPORT_MARK = "shadow_report_day"  # sync-state kind: start of the last UTC day seen


async def _daily_shadow_report(ctx: CycleContext, now: int) -> None:
    """Once per UTC day in shadow mode: yesterday's decisions by type, to the operator.

    The last day seen is a mark in the store, so a restart across midnight still reports it.
    """
    today = datetime.fromtimestamp(now, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    today_s = int(today.timestamp())
    async with ctx.store.unit_of_work() as uow:
        mark = await uow.sync_state.get(_REPORT_MARK)
    previous_s = None if mark is None else mark.synced_at
    if previous_s == today_s:
        return
    if previous_s is not None and ctx.mode is Mode.SHADOW and ctx.notifier is not None:
        from lnpilot.notify.events import shadow_report

        async with ctx.store.unit_of_work() as uow:
            rows = await uow.decisions.search(since=previous_s, until=previous_s + _DAY_S, limit=100_000)
        ours = [r for r in rows if r.params.get("source") == "daemon"]
        highlights = [
            f"channel {r.chan_id}: {r.type} ({r.reasons[0] if r.reasons else 'no reason given'})"
            for r in ours
            if r.would_execute
        ][:5]
        day = datetime.fromtimestamp(previous_s, UTC).date()
        await ctx.notifier.notify(
            shadow_report(day, Counter(r.type for r in ours), highlights, datetime.fromtimestamp(now, UTC))
        )
    async with ctx.store.unit_of_work() as uow:
        await uow.sync_state.set(_REPORT_MARK, today_s)


async def run_cycle(ctx: CycleContext, cycle_id: str) -> CycleReport:
    """Run every step once. Stop requests are honoured between steps, never inside one: a batch
    that has started always finishes (or is left reconcilable by the executor's log)."""
    now = await ctx.clock.refresh()
    report = CycleReport(started_at=now, cycle_id=cycle_id)
    await _sync(ctx, now, report)
    await _node_scores(ctx, report)
    stored = await _channel_scores(ctx, now, report)
    if ctx.stop.is_set():
        report.skipped_decisions = "stop requested before the decision step"
    else:
        await _decide_and_execute(ctx, now, stored, report)
        await _rollback_watch(ctx, ctx.clock.now(), report)
    await _daily_shadow_report(ctx, now)
    if ctx.notifier is not None:
        await ctx.notifier.flush()
    log.info(
        "daemon_cycle",
        now=now,
        forwards_added=report.forwards_added,
        decisions=report.decisions,
        executed=report.executed,
        tx_id=report.tx_id,
        rollbacks=report.rollbacks,
    )
    return report
