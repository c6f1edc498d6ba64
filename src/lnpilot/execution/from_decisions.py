"""Validated decisions -> executor actions. Only approved verdicts become actions."""

from __future__ import annotations

from collections.abc import Iterable

from lnpilot.decisions.types import FEE_DECISIONS, DecisionType
from lnpilot.execution.actions import Action, CloseOrder, PolicyChange, RebalanceOrder
from lnpilot.safety.verdict import Verdict


def actions_from_verdicts(verdicts: Iterable[Verdict], *, min_rebalance_sat: int = 0) -> list[Action]:
    """One action per approved, actionable decision, in the order given (the engine's gain order)."""
    actions: list[Action] = []
    for verdict in verdicts:
        if not verdict.approved:
            continue
        d = verdict.decision
        if d.type in FEE_DECISIONS and d.new_policy is not None:
            actions.append(PolicyChange(d.chan_id, d.channel_point, d.new_policy, d.reasons))
        elif d.type is DecisionType.REBALANCE and d.rebalance is not None:
            r = d.rebalance
            actions.append(
                RebalanceOrder(
                    target_chan_id=r.target_chan_id,
                    target_channel_point=d.channel_point,
                    source_chan_id=r.source_chan_id,
                    amount_sat=r.amount_sat,
                    max_fee_msat=min(r.max_fee_msat, r.budget_msat),
                    min_amount_sat=min(min_rebalance_sat, r.amount_sat),
                    reasons=d.reasons,
                )
            )
        elif d.type is DecisionType.CLOSE_CHANNEL:
            actions.append(CloseOrder(d.chan_id, d.channel_point, d.reasons))
    return actions
