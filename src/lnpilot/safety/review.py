"""Decide and validate a whole node in one pure call: what ``lnpilot decide`` and the daemon show.

Decisions are judged in order of expected gain against a history that grows with every approved
policy change, so the per-node daily limit also holds within one run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from lnpilot.decisions.engine import DecisionEngine
from lnpilot.decisions.types import FEE_DECISIONS, Decision
from lnpilot.domain.channel_view import ChannelView
from lnpilot.domain.scores import CompositeScore
from lnpilot.safety.history import ValidationHistory
from lnpilot.safety.validator import PolicyValidator
from lnpilot.safety.verdict import Verdict


@dataclass(frozen=True, slots=True)
class Review:
    decision: Decision
    verdict: Verdict
    score: CompositeScore | None

    def to_dict(self) -> dict[str, object]:
        data = self.decision.to_dict()
        data["score"] = None if self.score is None else self.score.composite
        data["verdict"] = self.verdict.to_dict()
        return data


def decide_and_validate(
    views: Sequence[ChannelView],
    scores: Mapping[int, CompositeScore] | None,
    history: ValidationHistory,
    engine: DecisionEngine,
    validator: PolicyValidator,
    now: int,
) -> tuple[list[Review], ValidationHistory]:
    """Every channel's decision with the validator's verdict, and the history if approved ones ran."""
    scores = scores or {}
    by_id = {v.channel.chan_id: v for v in views}
    reviews = []
    for decision in engine.decide_batch(views, scores, now):
        verdict = validator.validate(decision, by_id[decision.chan_id], history, now, by_id)
        if verdict.approved and decision.type in FEE_DECISIONS:
            history = history.record(decision.chan_id, now)
        elif verdict.approved and decision.rebalance is not None:
            history = history.record_rebalance(
                decision.rebalance.target_chan_id, now, decision.rebalance.max_fee_msat
            )
        reviews.append(Review(decision, verdict, scores.get(decision.chan_id)))
    return reviews, history
