"""One cycle of the money path: views -> scores -> decisions -> validation -> execution.

The CLI (``lnpilot apply``), the API (``POST /v1/actions/apply``) and the daemon all run this one
function, so they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import TYPE_CHECKING, Any

from lnpilot.domain.channel_view import ChannelView
from lnpilot.domain.ids import ShortChannelId, parse_channel_point
from lnpilot.errors import InvalidInputError
from lnpilot.execution.executor import Executor
from lnpilot.execution.plan import Mode, channel_matches
from lnpilot.settings import Limits, Settings

if TYPE_CHECKING:
    from lnpilot.views import ViewSet

SOURCES = ("node", "store")
DAY_S = 86_400
REBALANCE_WINDOW_S = 7 * DAY_S  # the weekly spend cap: the longest rebalance limit


def history_window_s(limits: Limits) -> int:
    """How far back the validator's history must reach: the longest window a limit looks at."""
    return int(max(DAY_S, limits.cooldown_minutes * 60))


async def node_key(executor: Executor, settings: Settings) -> str:
    """The node's public key (the database lock's key); a backend that cannot say is keyed by its
    settings."""
    from lnpilot.execution.guard import node_identity

    return (await node_identity(executor.backend, settings)).pubkey


async def decide_and_apply(
    settings: Settings,
    executor: Executor,
    mode: Mode,
    now: int,
    *,
    channels: Sequence[str] | None = None,
    profile: str | None = None,
    stop_on_error: bool = False,
    source: str = "node",
    record_as: str | None = None,
    cycle_id: str | None = None,
    stored: ViewSet | None = None,
    locked: bool = False,
) -> dict[str, Any]:
    """Reconcile, decide every (selected) channel, validate against the stored history, execute.

    A real mode (pilot, live) runs under the node's lock (``store.node_guard``: this host's file
    lock and the database's lock), re-entrant for a caller that holds it already (the daemon, for
    its whole life, also says ``locked``); another
    lnpilot process acting on the node makes this fail with a conflict before anything is read.
    ``channels`` None acts on every channel; a list must name only our channels, and not be empty.
    """
    if mode is Mode.SHADOW or locked:
        return await _decide_and_apply(
            settings,
            executor,
            mode,
            now,
            channels,
            profile,
            stop_on_error,
            source,
            record_as,
            cycle_id,
            stored,
        )
    purpose = f"{record_as or 'apply'} ({mode.value})"
    async with _hold(settings, executor, purpose):
        return await _decide_and_apply(
            settings,
            executor,
            mode,
            now,
            channels,
            profile,
            stop_on_error,
            source,
            record_as,
            cycle_id,
            stored,
        )


def _hold(settings: Settings, executor: Executor, purpose: str) -> AbstractAsyncContextManager[object]:
    """The executor's guard (host and database lock); an executor built by hand without one still
    gets the database lock."""
    if executor.guard is not None:
        return executor.guard.hold(purpose)
    from lnpilot.execution.guard import node_identity
    from lnpilot.store.node_lock import DbNodeLock

    @asynccontextmanager
    async def db_only() -> AsyncIterator[object]:
        key = (await node_identity(executor.backend, settings)).pubkey
        async with DbNodeLock(executor.txlog.store, key, purpose) as held:
            yield held

    return db_only()


async def _decide_and_apply(
    settings: Settings,
    executor: Executor,
    mode: Mode,
    now: int,
    channels: Sequence[str] | None,
    profile: str | None,
    stop_on_error: bool,
    source: str,
    record_as: str | None,
    cycle_id: str | None,
    stored: ViewSet | None,
) -> dict[str, Any]:
    """Reconcile, decide every (selected) channel, validate against the stored history, execute.

    ``source`` says where the views come from: ``node`` reads them live from the backend, ``store``
    uses what ``lnpilot sync`` stored (snapshots, policy history, graph metrics). Either way the
    executor reads each channel's live policy again before it changes anything. Returns the
    reviewed decisions (with the validator's verdicts) and the batch result.
    """
    from lnpilot.decisions.engine import DecisionEngine
    from lnpilot.execution.from_decisions import actions_from_verdicts
    from lnpilot.execution.overrides import with_stored_overrides
    from lnpilot.safety.history import ValidationHistory
    from lnpilot.safety.review import decide_and_validate
    from lnpilot.safety.validator import PolicyValidator
    from lnpilot.scoring.composite import score_channels
    from lnpilot.scoring.profiles import resolve_profile as scoring_profile
    from lnpilot.store.repos.transaction_log import applied_changes_since, rebalances_since

    if source not in SOURCES:
        raise InvalidInputError(f"views source must be one of {', '.join(SOURCES)}, not {source!r}")
    name = profile or settings.profile
    # Pins, exclusions and fee bounds set in the dashboard (stored) count as much as the file's.
    settings = await with_stored_overrides(settings, executor.txlog.store)
    engine = DecisionEngine.from_settings(settings, name)  # a bad profile fails before any I/O
    await executor.reconcile()
    from lnpilot.views import live_views, stored_views

    store = executor.txlog.store
    if source == "store":
        # A caller that already built this instant's views (the daemon scored them) passes them.
        built = stored or await stored_views(store, now)
    else:
        # Live state from the node; the history a node cannot tell from the store, as the daemon has.
        built = await live_views(executor.backend, now, history=store)
    views, context = built.views, built.context
    views = select_views(views, channels)
    scores = {
        int(s.subject): s for s in score_channels(views, scoring_profile(name, settings.profiles), context)
    }
    # The window the longest limit needs (a 48 h cooldown reads 48 h), not a fixed day.
    since = now - history_window_s(settings.limits)
    history = ValidationHistory.from_events(
        await applied_changes_since(executor.txlog.store, since),
        await rebalances_since(executor.txlog.store, now - REBALANCE_WINDOW_S),
    )
    reviews, _ = decide_and_validate(
        views, scores, history, engine, PolicyValidator.from_settings(settings), now
    )
    actions = actions_from_verdicts(
        [r.verdict for r in reviews], min_rebalance_sat=settings.limits.rebalance_min_amount_sat
    )
    batch = await executor.apply(actions, mode, stop_on_error=stop_on_error)
    outcome: dict[str, Any] = {"decisions": [r.to_dict() for r in reviews], **batch.to_dict()}
    # The peers' aliases where the graph names them (chan_id -> alias), for one-line views.
    outcome["aliases"] = {
        str(v.channel.chan_id): built.aliases[v.channel.remote_pubkey]
        for v in views
        if v.channel.remote_pubkey in built.aliases
    }
    if record_as is not None:
        from lnpilot.execution.shadow_log import decision_records, record_decisions

        records = decision_records(
            outcome,
            {v.channel.chan_id: v for v in views},
            now=now,
            mode=mode.value,
            cycle_id=cycle_id,
            recorded_by=record_as,
        )
        outcome["decision_ids"] = await record_decisions(executor.txlog.store, records)
    return outcome


def select_views(views: Sequence[ChannelView], selectors: Sequence[str] | None) -> list[ChannelView]:
    """The views ``selectors`` name (all when None). Every selector must parse (a chan_id, a short
    channel id ``BLOCKxTXxOUT`` or a channel point) and name one of our channels; an empty list is
    an error, never "all channels"."""
    if selectors is None:
        return list(views)
    if not selectors:
        raise InvalidInputError("an empty channel list selects nothing; omit it to act on every channel")
    chosen: dict[int, ChannelView] = {}
    for selector in selectors:
        text = selector.strip()
        if ":" in text:
            parse_channel_point(text)
        else:
            ShortChannelId.parse(text)
        matches = [v for v in views if channel_matches(v.channel.chan_id, v.channel.channel_point, text)]
        if not matches:
            raise InvalidInputError(f"channel {text!r} is not one of this node's open channels")
        chosen.update((v.channel.chan_id, v) for v in matches)
    return [v for v in views if v.channel.chan_id in chosen]
