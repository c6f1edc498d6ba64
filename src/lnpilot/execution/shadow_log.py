"""The shadow log: every decision of a run, ``no_action`` included, as one decisions-table row.

Written by ``pipeline.decide_and_apply`` for whoever runs it (daemon, ``lnpilot apply``, the API),
so the decisions table holds exactly one row per decision.

Each row keeps the channel's state before (policy, balances), the proposal, the reasons, the
validator's verdict, the would-execute flag (approved and a change: what live mode would send)
and what this cycle's mode actually did with it. A cycle's rows are written in one transaction,
so an interrupted run leaves all of its decisions or none (the next cycle makes them again).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from lnpilot.domain.channel_view import ChannelView
from lnpilot.store import Store
from lnpilot.store.records import DecisionRecord

# Decision type -> the executor's action kind (lnpilot.execution.actions.ActionKind) it becomes.
_ACTION_KIND = {
    "increase_fees": "policy",
    "decrease_fees": "policy",
    "rebalance": "rebalance",
    "close_channel": "close",
}


def _state_before(view: ChannelView | None, decision: Mapping[str, Any]) -> dict[str, Any]:
    state: dict[str, Any] = {"policy": decision.get("old_policy")}
    if view is not None:
        c = view.channel
        state.update(
            capacity_sat=c.capacity_sat,
            local_balance_sat=c.local_balance_sat,
            remote_balance_sat=c.remote_balance_sat,
            active=c.active,
        )
    return state


def decision_records(
    outcome: Mapping[str, Any],
    views: Mapping[int, ChannelView],
    *,
    now: int,
    mode: str,
    cycle_id: str | None,
    recorded_by: str,
) -> list[DecisionRecord]:
    """Rows for the decisions of one ``decide_and_apply`` outcome (pure)."""
    results = {(r["chan_id"], r["kind"]): r for r in outcome.get("results", [])}
    records = []
    for d in outcome["decisions"]:
        chan_id = int(d["chan_id"])
        approved = bool(d["verdict"]["approved"])
        change = d["type"] != "no_action"
        result = results.get((str(chan_id), _ACTION_KIND.get(d["type"], "")))
        records.append(
            DecisionRecord(
                created_at=now,
                type=d["type"],
                profile=d["profile"],
                mode=mode,
                would_execute=approved and change,
                chan_id=chan_id,
                params={
                    "source": recorded_by,
                    "cycle_id": cycle_id,
                    "channel_point": d["channel_point"],
                    "state_before": _state_before(views.get(chan_id), d),
                    "proposal": {
                        "new_policy": d.get("new_policy"),
                        "rebalance": d.get("rebalance"),
                        "close": d.get("close"),
                        "expected_gain_msat": d.get("expected_gain_msat"),
                    },
                    "verdict": d["verdict"],
                    "score": d.get("score"),
                    "execution": None
                    if result is None
                    else {"status": result["status"], "detail": result["detail"]},
                    "tx_id": outcome.get("tx_id")
                    if result is not None and result["status"] != "shadow"
                    else None,
                },
                reasons=list(d["reasons"]),
                confidence=d.get("confidence"),
            )
        )
    return records


async def record_decisions(store: Store, records: Sequence[DecisionRecord]) -> list[int]:
    async with store.unit_of_work() as uow:
        return [await uow.decisions.add(r) for r in records]
