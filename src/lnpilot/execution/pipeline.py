"""One cycle of the money path: live views -> decisions -> validation -> execution.

The CLI (``lnpilot apply``), the API (``POST /v1/actions/apply``) and the daemon all run this one
function, so they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lnpilot.execution.executor import Executor
from lnpilot.execution.plan import Mode, channel_matches
from lnpilot.settings import Settings


async def decide_and_apply(
    settings: Settings,
    executor: Executor,
    mode: Mode,
    now: int,
    *,
    channels: Sequence[str] = (),
    profile: str | None = None,
    stop_on_error: bool = False,
) -> dict[str, Any]:
    """Reconcile, decide every (selected) channel, validate against the stored history, execute.

    Returns the reviewed decisions (with the validator's verdicts) and the batch result.
    """
    from lnpilot.decisions.engine import DecisionEngine
    from lnpilot.execution.from_decisions import actions_from_verdicts
    from lnpilot.execution.views import live_views
    from lnpilot.safety.history import ValidationHistory
    from lnpilot.safety.review import decide_and_validate
    from lnpilot.safety.validator import PolicyValidator
    from lnpilot.store.repos_execution import applied_changes_since

    await executor.reconcile()
    views = await live_views(executor.backend, now)
    if channels:
        views = [
            v
            for v in views
            if any(channel_matches(v.channel.chan_id, v.channel.channel_point, s) for s in channels)
        ]
    history = ValidationHistory.from_events(await applied_changes_since(executor.txlog.store, now - 86_400))
    reviews, _ = decide_and_validate(
        views,
        None,
        history,
        DecisionEngine.from_settings(settings, profile),
        PolicyValidator.from_settings(settings),
        now,
    )
    actions = actions_from_verdicts(
        [r.verdict for r in reviews], min_rebalance_sat=settings.limits.rebalance_min_amount_sat
    )
    batch = await executor.apply(actions, mode, stop_on_error=stop_on_error)
    return {"decisions": [r.to_dict() for r in reviews], **batch.to_dict()}
