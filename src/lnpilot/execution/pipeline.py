"""One cycle of the money path: views -> scores -> decisions -> validation -> execution.

The CLI (``lnpilot apply``), the API (``POST /v1/actions/apply``) and the daemon all run this one
function, so they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from lnpilot.errors import InvalidInputError
from lnpilot.execution.executor import Executor
from lnpilot.execution.plan import Mode, channel_matches
from lnpilot.settings import Settings

if TYPE_CHECKING:
    from lnpilot.views import ViewSet

SOURCES = ("node", "store")


async def decide_and_apply(
    settings: Settings,
    executor: Executor,
    mode: Mode,
    now: int,
    *,
    channels: Sequence[str] = (),
    profile: str | None = None,
    stop_on_error: bool = False,
    source: str = "node",
    record_as: str | None = None,
    cycle_id: str | None = None,
    stored: ViewSet | None = None,
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
    from lnpilot.store.repos.transaction_log import applied_changes_since

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
    if channels:
        views = [
            v
            for v in views
            if any(channel_matches(v.channel.chan_id, v.channel.channel_point, s) for s in channels)
        ]
    scores = {
        int(s.subject): s for s in score_channels(views, scoring_profile(name, settings.profiles), context)
    }
    history = ValidationHistory.from_events(await applied_changes_since(executor.txlog.store, now - 86_400))
    reviews, _ = decide_and_validate(
        views, scores, history, engine, PolicyValidator.from_settings(settings), now
    )
    actions = actions_from_verdicts(
        [r.verdict for r in reviews], min_rebalance_sat=settings.limits.rebalance_min_amount_sat
    )
    batch = await executor.apply(actions, mode, stop_on_error=stop_on_error)
    outcome: dict[str, Any] = {"decisions": [r.to_dict() for r in reviews], **batch.to_dict()}
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
