"""The composite score: a weighted mean of the available heuristics.

Weights come from a profile. A heuristic that could not be judged drops out and the weights
are renormalised over the rest; ``coverage`` says what share of the profile's weight was
actually available, so a score built on 30 % of the evidence is visibly different from one
built on all of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from lnpilot.domain.channel_view import ChannelView
from lnpilot.domain.scores import HEURISTICS, CompositeScore, HeuristicScore
from lnpilot.scoring.channel_facts import channel_facts
from lnpilot.scoring.context import ScoringContext
from lnpilot.scoring.heuristics import (
    activity,
    age_stability,
    centrality,
    competitiveness,
    liquidity,
    network_position,
    peer_quality,
    reliability,
)
from lnpilot.scoring.profiles import ScoringProfile


def combine(
    subject: str, heuristics: Mapping[str, HeuristicScore], profile: ScoringProfile, computed_at: int = 0
) -> CompositeScore:
    total = profile.total_weight
    weighted = available = 0.0
    for name in HEURISTICS:
        weight = profile.weights.get(name, 0.0)
        heuristic = heuristics.get(name)
        if heuristic is None or heuristic.score is None or weight <= 0:
            continue
        weighted += weight * heuristic.score
        available += weight
    composite = round(weighted / available, 6) if available > 0 else None
    coverage = round(available / total, 6) if total > 0 else 0.0
    return CompositeScore(subject, composite, coverage, profile.name, dict(heuristics), computed_at)


def channel_heuristics(view: ChannelView, context: ScoringContext | None = None) -> dict[str, HeuristicScore]:
    """All eight heuristics for one of our channels."""
    facts = channel_facts(view)  # forwards walked once, snapshots sorted once
    scores = (
        centrality.score_channel(view, context),
        liquidity.score_channel(view, facts),
        activity.score_channel(view, facts),
        competitiveness.score_channel(view, context),
        reliability.score_channel(view, facts),
        age_stability.score_channel(view, facts),
        peer_quality.score_channel(view, context),
        network_position.score_channel(view),
    )
    return {s.name: s for s in scores}


def score_channel(
    view: ChannelView, profile: ScoringProfile, context: ScoringContext | None = None
) -> CompositeScore:
    return combine(str(view.channel.chan_id), channel_heuristics(view, context), profile, view.now)


def score_channels(
    views: Iterable[ChannelView], profile: ScoringProfile, context: ScoringContext | None = None
) -> list[CompositeScore]:
    """Composite scores of our channels, best first (unscorable ones last)."""
    scores = [score_channel(view, profile, context) for view in views]
    scores.sort(key=lambda s: (s.composite is None, -(s.composite or 0.0), s.subject))
    return scores
