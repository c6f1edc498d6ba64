"""The automatic-rollback watch: judge every recent real change once its window has elapsed.

I/O edge around the pure ``auto_rollback.assess``: it fetches the node's forwards, picks the
control channels (ours that no change touched in the windows compared), records each verdict on
the transaction item so it is judged once, and rolls back the channels judged harmful.

Every applied item is watched, also in a transaction marked failed because another of its items
failed. A change the channel's next change superseded (a later transaction, or a change outside
lnpilot seen in the live policy) is skipped with the verdict ``superseded``: its after-window would
measure the newer policy, and restoring its backup would undo the newer change.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog

from lnpilot.backends.base import Capability
from lnpilot.execution.auto_rollback import RollbackAssessment, Verdict, assess
from lnpilot.execution.executor import Executor
from lnpilot.execution.rollback import (
    ROLLBACK_NOTE,
    RollbackConflict,
    RollbackResult,
    changed_items,
    superseded,
)
from lnpilot.settings import Settings
from lnpilot.store.records import TransactionItem, TransactionRecord, TxStatus

log = structlog.get_logger(__name__)
WATCHED = frozenset({TxStatus.APPLIED, TxStatus.RECONCILED, TxStatus.FAILED})


@dataclass(frozen=True, slots=True)
class WatchOutcome:
    tx_id: int
    chan_id: int
    assessment: RollbackAssessment
    rollback: RollbackResult | None = None


def _watchable(record: TransactionRecord) -> list[TransactionItem]:
    if record.status not in WATCHED or record.mode == "shadow" or record.note.startswith(ROLLBACK_NOTE):
        return []
    return [i for i in changed_items(record) if "auto_rollback" not in (i.result or {})]


async def check_auto_rollbacks(
    executor: Executor,
    *,
    now_s: int,
    window_s: int,
    drop_threshold: float,
    min_forwards: int,
    alpha: float = 0.05,
    lookback: int = 200,
) -> list[WatchOutcome]:
    """Assess each watched change whose window has elapsed; roll back where the verdict says so."""
    recent = await executor.txlog.recent(limit=lookback)
    pending = [(r, i) for r in recent for i in _watchable(r)]
    if not pending:
        return []
    if Capability.FORWARDING_HISTORY not in executor.backend.capabilities:
        # LNbits: no per-channel forwards, so a change's effect cannot be judged; the changes stay
        # unjudged (never "kept") and an operator rolls back by hand.
        log.info("auto-rollback watch skipped: the backend reports no forwards", pending=len(pending))
        return []
    starts = [int((i.result or {}).get("changed_at", r.created_at)) for r, i in pending]
    forwards = await executor.backend.forwarding_history(min(starts) - window_s, now_s + 1)
    ours = {c.chan_id for c in await executor.backend.list_channels()}
    changes = [
        (r.id or 0, i.chan_id, int((i.result or {}).get("changed_at", r.created_at)))
        for r in recent
        for i in r.items
        if (i.result or {}).get("changed")
    ]
    outcomes: list[WatchOutcome] = []
    for (record, item), changed_at in zip(pending, starts, strict=True):
        assert record.id is not None and item.id is not None
        later = [tx for tx, chan, _ in changes if chan == item.chan_id and tx > record.id]
        if not later and now_s < changed_at + window_s:
            continue  # still watching
        newer = {item.chan_id: f"channel {item.chan_id}: tx {later[-1]} changed it later"} if later else {}
        newer = newer or await superseded(executor, record.id, [item])
        if newer:
            await _judged(executor, item, now_s, {"verdict": "superseded", "reason": newer[item.chan_id]})
            log.info("auto-rollback skipped: superseded", tx_id=record.id, chan_id=item.chan_id)
            continue
        lo, hi = changed_at - window_s, changed_at + window_s
        touched = {chan for _, chan, at in changes if lo <= at < hi}
        result = assess(
            chan_id=item.chan_id,
            changed_at_s=changed_at,
            now_s=now_s,
            window_s=window_s,
            forwards=forwards,
            control_chan_ids=ours - touched,
            drop_threshold=drop_threshold,
            min_forwards=min_forwards,
            alpha=alpha,
        )
        if result.verdict is Verdict.WATCHING:
            continue
        verdict = {
            "verdict": result.verdict.value,
            "reason": result.reason,
            "judged_at": now_s,
            "revenue_ratio_adjusted": result.revenue_ratio_adjusted,
            "revenue_p_value": result.revenue_p_value,
        }
        await _judged(executor, item, now_s, verdict)
        undone = None
        if result.should_roll_back:
            try:
                undone = await executor.rollback(
                    record.id, chan_ids=[item.chan_id], reason=f"automatic: {result.reason}"
                )
            except RollbackConflict as exc:  # changed between the check above and the restore
                await _judged(executor, item, now_s, {"verdict": "superseded", "reason": str(exc)})
                continue
        log.info("auto-rollback verdict", tx_id=record.id, chan_id=item.chan_id, verdict=result.verdict.value)
        outcomes.append(WatchOutcome(record.id, item.chan_id, result, undone))
    return outcomes


async def _judged(executor: Executor, item: TransactionItem, now_s: int, verdict: dict[str, object]) -> None:
    assert item.id is not None
    await executor.txlog.set_item_result(item.id, {**(item.result or {}), "auto_rollback": verdict}, now_s)


async def check_auto_rollbacks_from_settings(
    executor: Executor, settings: Settings, now_s: int
) -> list[WatchOutcome]:
    """``check_auto_rollbacks`` with the ``[execution]`` settings (what the daemon calls each cycle)."""
    ex = settings.execution
    return await check_auto_rollbacks(
        executor,
        now_s=now_s,
        window_s=int(ex.rollback_window_hours * 3600),
        drop_threshold=ex.rollback_drop_threshold,
        min_forwards=ex.rollback_min_forwards,
    )
