"""decide_and_validate: the whole node judged in one pure call."""

from __future__ import annotations

from lnpilot.decisions import BUILTIN, DecisionEngine, DecisionType
from lnpilot.domain.channel_view import PolicyChange
from lnpilot.domain.scores import CompositeScore
from lnpilot.safety import PolicyValidator, ValidationHistory
from lnpilot.safety.review import decide_and_validate
from lnpilot.settings import Limits
from tests.decisions.view_builders import NOW, chan_id_of, forward_out, policy, view


def test_node_limit_holds_within_one_run() -> None:
    # Eight drained channels all want a raise; half a change per channel per day: four may pass.
    views = [view(i, local_sat=50_000) for i in range(1, 9)]
    limits = Limits(max_changes_per_node_per_day_per_channel=0.5)
    reviews, history = decide_and_validate(
        views,
        None,
        ValidationHistory(),
        DecisionEngine(BUILTIN["balanced"], limits),
        PolicyValidator(limits),
        NOW,
    )
    assert all(r.decision.type is DecisionType.INCREASE_FEES for r in reviews)
    approved = [r for r in reviews if r.verdict.approved]
    assert len(approved) == 4
    assert {c for r in reviews if not r.verdict.approved for c in r.verdict.codes} == {
        "node_daily_limit_reached"
    }
    assert history.node_count_since(NOW - 1) == 4


def test_engine_rebalance_passes_the_validator_and_scores_ride_along() -> None:
    target_id, source_id = chan_id_of(1), chan_id_of(2)
    sent = [forward_out(target_id, day, 100_000, 100_000) for day in (1, 5, 10, 15, 20, 25)]
    cooldown = PolicyChange(NOW - 600, policy(900), policy(1000))
    target = view(
        1,
        local_sat=100_000,
        fee_rate_ppm=1000,
        competitor_fee_ppm=1000.0,
        forwards=sent,
        policy_changes=[cooldown],
    )
    source = view(2, local_sat=950_000, fee_rate_ppm=100, competitor_fee_ppm=100.0)
    score = CompositeScore(str(target_id), 61.0, 0.9, "balanced", {})
    limits = Limits()
    reviews, history = decide_and_validate(
        [target, source],
        {target_id: score},
        ValidationHistory(),
        DecisionEngine(BUILTIN["balanced"], limits),
        PolicyValidator(limits),
        NOW,
    )
    first = reviews[0]
    assert first.decision.type is DecisionType.REBALANCE
    assert first.verdict.approved, first.verdict.codes
    assert first.to_dict()["score"] == 61.0
    assert first.to_dict()["verdict"] == {"approved": True, "violations": []}
    # The rebalance is no policy change; only the idle source's fee cut is recorded.
    assert set(history.channel_changes) == {source_id}
    assert {r.decision.chan_id for r in reviews} == {target_id, source_id}
