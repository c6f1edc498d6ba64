"""The fee loop on a backend without per-channel forwards (LNbits): silence is not zero sales.

Each case is decided twice on the same channel state: once with forwards *measured* (an empty list
means the channel sold nothing) and once with forwards *unknown* (the view carries a balance-flow
estimate instead). Measured zero still drives the evidence steps; unknown never does.
"""

from __future__ import annotations

import dataclasses

from lnpilot.decisions import BUILTIN, DecisionEngine, DecisionType
from lnpilot.domain.balance_flow import FORWARDS_NOT_MEASURED, BalanceFlow
from lnpilot.domain.channel_view import ChannelView, PolicyChange
from lnpilot.settings import Limits
from tests.decisions.view_builders import DAY, NOW, policy, view

ENGINE = DecisionEngine(BUILTIN["balanced"], Limits())
EVIDENCE_STEPS = ("explore", "probe", "continue", "revert", "sold-out")


def unknown(state: ChannelView) -> ChannelView:
    """The same state as LNbits gives it: no forwards, a flow estimate from the balance snapshots."""
    assert state.forwards == ()
    flow = BalanceFlow((), tuple(s.taken_at for s in state.snapshots))
    return dataclasses.replace(state, balance_flow=flow)


def text(reasons: tuple[str, ...]) -> str:
    return " | ".join(reasons)


def test_a_sold_out_channel_is_raised_on_measured_zero_but_not_on_unknown_forwards() -> None:
    drained = view(local_sat=40_000, competitor_fee_ppm=40.0)  # prior 115 ppm: near the 100 ppm fee
    measured = ENGINE.decide(drained, None, NOW)
    assert measured.type is DecisionType.INCREASE_FEES and "sold-out)" in text(measured.reasons)

    blind = ENGINE.decide(unknown(drained), None, NOW)
    assert blind.type is DecisionType.NO_ACTION and blind.new_policy is None
    assert FORWARDS_NOT_MEASURED in text(blind.reasons)
    assert "100 ppm is within x1.5 of the prior 115 ppm: held" in blind.reasons
    assert not any(f"{step})" in r for r in blind.reasons for step in EVIDENCE_STEPS)


def test_an_idle_channel_probes_down_on_measured_zero_but_not_on_unknown_forwards() -> None:
    idle = view(local_sat=700_000, competitor_fee_ppm=130.0)  # prior 82 ppm
    measured = ENGINE.decide(idle, None, NOW)
    assert measured.type is DecisionType.DECREASE_FEES
    assert "idle with liquidity to sell: probe down" in text(measured.reasons)

    blind = ENGINE.decide(unknown(idle), None, NOW)
    assert blind.type is DecisionType.NO_ACTION
    assert "the fee only approaches the prior from below; no explore, probe" in text(blind.reasons)
    assert "idle" not in text(blind.reasons)


def test_after_a_raise_measured_zero_probes_back_down_but_unknown_forwards_hold() -> None:
    # Raised 8 days ago (past the 7-day probe period), nothing sold since or before.
    change = PolicyChange(NOW - 8 * DAY, policy(100), policy(125))
    raised = view(fee_rate_ppm=125, policy_changes=[change], history_days=20)
    measured = ENGINE.decide(raised, None, NOW)
    # Nothing sold at 125 ppm for a probe period with liquidity to sell: idle, so the probe goes down.
    assert measured.type is DecisionType.DECREASE_FEES and measured.new_policy is not None
    assert "idle with liquidity to sell: probe down" in measured.reasons
    assert any(r.startswith("previous fee:") for r in measured.reasons)  # the last move was judged

    blind = ENGINE.decide(unknown(raised), None, NOW)
    assert blind.type is DecisionType.NO_ACTION and blind.new_policy is None
    assert not any(r.startswith(("previous fee:", "estimate since the last change")) for r in blind.reasons)
    assert not any(f"{step})" in r for r in blind.reasons for step in EVIDENCE_STEPS)


def test_far_from_the_prior_the_fee_still_approaches_it_with_the_reason() -> None:
    cheap = view(fee_rate_ppm=1, competitor_fee_ppm=500.0)
    blind = ENGINE.decide(unknown(cheap), None, NOW)
    assert blind.type is DecisionType.INCREASE_FEES and blind.new_policy is not None
    assert blind.new_policy.fee_rate_ppm == 51  # the step cap's 50 ppm floor
    assert blind.expected_gain_msat == 0  # no measured revenue to put a number on
    reasons = text(blind.reasons)
    assert FORWARDS_NOT_MEASURED in reasons and "1 ppm is far from the prior" in reasons
    assert "(+50, approach)" in reasons


def test_a_fee_far_above_the_prior_is_not_cut_without_forwards() -> None:
    full = view(fee_rate_ppm=400, local_sat=700_000, competitor_fee_ppm=40.0)  # prior 25 ppm
    blind = ENGINE.decide(unknown(full), None, NOW)
    assert blind.type is DecisionType.NO_ACTION
    assert "above the prior 25 ppm, sales unknown on this backend: no approach down" in blind.reasons
    # Sold out by the balance snapshots: held as well (the sold-out raise needs measured forwards:
    # on a wallet server the wallet's own payments drain channels too).
    drained = view(fee_rate_ppm=100, local_sat=40_000, competitor_fee_ppm=40.0)
    assert ENGINE.decide(unknown(drained), None, NOW).type is DecisionType.NO_ACTION


def test_a_rolled_back_direction_is_not_approached_either() -> None:
    from lnpilot.domain.channel_view import RejectedChange

    cheap = dataclasses.replace(
        view(fee_rate_ppm=1, competitor_fee_ppm=500.0),
        rejected_changes=(RejectedChange(NOW - 3600, 1, 51, 0.5),),
    )
    blind = ENGINE.decide(unknown(cheap), None, NOW)
    assert blind.type is DecisionType.NO_ACTION
    assert "increases are banned until" in text(blind.reasons)


def test_every_decision_says_forwards_are_not_measured_and_rules_on_earnings_stand_down() -> None:
    drained = view(local_sat=40_000, competitor_fee_ppm=40.0)
    cooling = dataclasses.replace(drained, policy_changes=(PolicyChange(NOW - 60, policy(90), policy(100)),))
    inactive = dataclasses.replace(drained, channel=dataclasses.replace(drained.channel, active=False))
    no_policy = dataclasses.replace(drained, policy=None)
    for state in (drained, cooling, inactive, no_policy):
        decision = ENGINE.decide(unknown(state), None, NOW)
        assert FORWARDS_NOT_MEASURED in text(decision.reasons), decision.reasons
    decision = ENGINE.decide(unknown(drained), None, NOW)
    assert "rebalance and close not judged" in text(decision.reasons)
    # Measured: the rebalance rule speaks for itself.
    assert "rebalance and close not judged" not in text(ENGINE.decide(drained, None, NOW).reasons)


def test_the_loop_alone_holds_when_the_limits_allow_no_step_toward_the_prior() -> None:
    from lnpilot.decisions.learn import LoopInputs, step

    cheap = unknown(view(fee_rate_ppm=10, competitor_fee_ppm=500.0))
    frozen = LoopInputs(prior_ppm=500.0, floor_ppm=1, low_ppm=1, high_ppm=5000, max_up_ppm=0, max_down_ppm=0)
    move = step(cheap, BUILTIN["balanced"], frozen)
    assert move.fee_ppm is None and move.kind == "hold" and move.gain_msat == 0
    assert move.reasons[-1] == "10 ppm is far below the prior 500 ppm but the bounds allow no step up"
