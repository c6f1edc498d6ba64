"""Age and stability: old channels that keep their size and price are ones senders' pathfinding
has learnt to trust; fresh, resized or constantly repriced ones are not.

Age comes from the funding block in the short channel id (``chan_id >> 40``) against the current
chain height, on a log scale that saturates at one year: the first weeks matter most.
"""

from __future__ import annotations

import math

from lnpilot.domain.channel_view import ChannelView
from lnpilot.domain.metrics import NodeMetrics
from lnpilot.domain.scores import HeuristicScore
from lnpilot.scoring._scale import clamp01, to_score, weighted_mean
from lnpilot.scoring.channel_facts import ChannelFacts, summarise_snapshots
from lnpilot.scoring.context import ScoringContext

NAME = "age_stability"
BLOCKS_PER_DAY = 144
MATURE_DAYS = 365.0
POLICY_WINDOW_S = 30 * 86_400
# Policy changes per 30 days at which that part halves (Lightning Terminal waits 3 days between
# changes, so about ten a month is already a busy channel).
POLICY_CHANGES_HALF = 4.0
WEIGHTS: dict[str, float] = {"age": 0.6, "capacity_stability": 0.2, "policy_stability": 0.2}


def age_fraction(age_days: float) -> float:
    return clamp01(math.log1p(max(0.0, age_days)) / math.log1p(MATURE_DAYS))


def score_channel(view: ChannelView, facts: ChannelFacts | None = None) -> HeuristicScore:
    funding_block = view.channel.chan_id >> 40
    height = view.current_block_height
    if height is None or height < funding_block:
        return HeuristicScore(
            NAME, None, "unavailable: current block height unknown (or below the funding block)"
        )
    age_days = (height - funding_block) / BLOCKS_PER_DAY
    summary = facts.snapshots if facts is not None else summarise_snapshots(view)
    capacity_changes = summary.capacity_changes if summary.count else None
    # The first record of a policy (``old is None``, as the sync job stores it) is no change.
    policy_changes = sum(
        1
        for p in view.policy_changes
        if p.old is not None and view.now - POLICY_WINDOW_S <= p.changed_at <= view.now
    )
    parts: dict[str, float | None] = {
        "age": age_fraction(age_days),
        "capacity_stability": None if capacity_changes is None else 1.0 / (1.0 + capacity_changes),
        "policy_stability": 1.0 / (1.0 + policy_changes / POLICY_CHANGES_HALF),
    }
    value = weighted_mean(parts, WEIGHTS)
    assert value is not None  # age is always known past the guard above
    components: dict[str, float | None] = {
        **parts,
        "age_days": age_days,
        "funding_block": float(funding_block),
        "capacity_changes": None if capacity_changes is None else float(capacity_changes),
        "policy_changes_30d": float(policy_changes),
    }
    cap_text = (
        "capacity history unknown" if capacity_changes is None else f"{capacity_changes} capacity changes"
    )
    reason = f"{age_days:.0f} days old, {cap_text}, {policy_changes} policy changes in 30 days"
    return HeuristicScore(NAME, to_score(value), reason, components)


def score_node(metrics: NodeMetrics, context: ScoringContext) -> HeuristicScore:
    """A public node's mean channel age, as a percentile of the graph's nodes."""
    age = metrics.mean_channel_age_blocks
    pct = context.percentile("mean_channel_age_blocks", age)
    if age is None or pct is None:
        return HeuristicScore(NAME, None, "unavailable: channel ages unknown")
    components: dict[str, float | None] = {"mean_channel_age_blocks": age, "age_percentile": pct}
    return HeuristicScore(
        NAME,
        to_score(pct),
        f"channels {age / BLOCKS_PER_DAY:.0f} days old on average (p{100 * pct:.0f})",
        components,
    )
