from __future__ import annotations

from lnpilot.decisions.types import CloseParams, Decision, DecisionType, RebalanceParams
from lnpilot.execution.actions import CloseOrder, PolicyChange, RebalanceOrder
from lnpilot.execution.from_decisions import actions_from_verdicts
from lnpilot.safety.verdict import Verdict, Violation
from tests.execution.memory_node import policy


def decision(kind: DecisionType, chan_id: int = 7, **kw: object) -> Decision:
    return Decision(kind, chan_id, f"{chan_id:064x}:0", 0.8, ("why",), 100, "balanced", **kw)  # type: ignore[arg-type]


def test_only_approved_actionable_decisions_become_actions() -> None:
    rebalance = RebalanceParams(
        200_000, 3, 7, max_fee_msat=900_000, budget_msat=500_000, expected_earnings_msat=1, horizon_days=7
    )
    close = CloseParams("idle", 30, 0, 0.0, 1.0, 10, 10)
    verdicts = [
        Verdict(decision(DecisionType.INCREASE_FEES, new_policy=policy(150)), ()),
        Verdict(
            decision(DecisionType.DECREASE_FEES, 8, new_policy=policy(50)),
            (Violation(next(iter(_codes())), "x"),),
        ),
        Verdict(decision(DecisionType.NO_ACTION, 9), ()),
        Verdict(decision(DecisionType.REBALANCE, 7, rebalance=rebalance), ()),
        Verdict(decision(DecisionType.CLOSE_CHANNEL, 10, close=close), ()),
    ]
    actions = actions_from_verdicts(verdicts, min_rebalance_sat=50_000)
    assert actions[0] == PolicyChange(7, f"{7:064x}:0", policy(150), ("why",))
    assert isinstance(actions[1], RebalanceOrder)
    assert actions[1].max_fee_msat == 500_000  # never above the budget
    assert actions[1].min_amount_sat == 50_000 and actions[1].source_chan_id == 3
    assert isinstance(actions[2], CloseOrder)
    assert len(actions) == 3


def _codes() -> frozenset[str]:
    from lnpilot.safety.verdict import CODES

    return frozenset(CODES)
