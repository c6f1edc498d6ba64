"""Scoring and ranking every node of a public graph snapshot, from graph data alone.

Like the public rankers (Terminal, Amboss, LnRouter), health gates come first: a node that fails
one (offline-looking, too few channels, tiny channels) ranks below every node that passes,
whatever its composite; within each group nodes rank by composite. The gates that failed are
reported beside the rank.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from lnpilot.domain.graph import Graph
from lnpilot.domain.metrics import NodeMetrics
from lnpilot.domain.scores import HEURISTICS, CompositeScore, HeuristicScore
from lnpilot.scoring.composite import combine
from lnpilot.scoring.context import ScoringContext, build_context
from lnpilot.scoring.heuristics import (
    age_stability,
    centrality,
    competitiveness,
    network_position,
    peer_quality,
)
from lnpilot.scoring.profiles import ScoringProfile

CSV_COLUMNS: tuple[str, ...] = (
    "pub_key",
    "alias",
    "composite",
    *HEURISTICS,
    "rank",
    "coverage",
    "gates_failed",
)

# Heuristics that need our own channel's state (balances, forwards, uptime): empty for public nodes.
CHANNEL_ONLY: tuple[str, ...] = ("liquidity", "activity", "reliability")


# Frozen, so one instance serves every node.
_NOT_APPLICABLE = [
    HeuristicScore(name, None, "not applicable: needs our own channel's state") for name in CHANNEL_ONLY
]


@dataclass(frozen=True, slots=True)
class HealthGates:
    min_channels: int = 3
    # Relative to the snapshot's median channel, so the gate means the same in 2021 (median
    # 500k sat) as in 2025; rankers' "median channel >= 500k sat" is this gate on today's graph.
    min_median_channel_share: float = 0.25
    max_disabled_share: float = 0.5


@dataclass(frozen=True, slots=True)
class RankedNode:
    rank: int
    alias: str
    score: CompositeScore
    gates_failed: tuple[str, ...]

    @property
    def pub_key(self) -> str:
        return self.score.subject


def node_heuristics(metrics: NodeMetrics, context: ScoringContext) -> dict[str, HeuristicScore]:
    scores = [
        centrality.score_node(metrics, context),
        competitiveness.score_node(metrics, context),
        age_stability.score_node(metrics, context),
        peer_quality.score_node(metrics, context),
        network_position.score_node(metrics, context),
    ]
    scores += _NOT_APPLICABLE
    return {s.name: s for s in scores}


def failed_gates(metrics: NodeMetrics, context: ScoringContext, gates: HealthGates) -> tuple[str, ...]:
    failed = []
    if metrics.disabled_share is None or metrics.disabled_share > gates.max_disabled_share:
        failed.append("online")
    if metrics.channel_count < gates.min_channels:
        failed.append("channels")
    facts = context.facts
    if facts is not None and facts.network_median_channel_sat is not None:
        median_cap = facts.median_channel_capacity_sat.get(metrics.pub_key)
        if (
            median_cap is not None
            and median_cap < gates.min_median_channel_share * facts.network_median_channel_sat
        ):
            failed.append("channel_size")
    return tuple(failed)


def score_graph(
    graph: Graph,
    metrics: Mapping[str, NodeMetrics] | Iterable[NodeMetrics],
    profile: ScoringProfile,
    gates: HealthGates | None = None,
    context: ScoringContext | None = None,
) -> list[RankedNode]:
    """Every node with metrics, scored and ranked (1 = best)."""
    rows = list(metrics.values() if isinstance(metrics, Mapping) else metrics)
    gates = gates or HealthGates()
    context = context or build_context(rows, graph)
    scored = []
    for row in rows:
        composite = combine(row.pub_key, node_heuristics(row, context), profile, graph.taken_at)
        scored.append((failed_gates(row, context, gates), composite))
    scored.sort(
        key=lambda item: (
            bool(item[0]),
            item[1].composite is None,
            -(item[1].composite or 0.0),
            item[1].subject,
        )
    )
    ranked = []
    for rank, (failed, composite) in enumerate(scored, start=1):
        node = graph.nodes.get(composite.subject)
        ranked.append(RankedNode(rank, node.alias if node is not None else "", composite, failed))
    return ranked


def _cell(value: float | None) -> str:
    # Empty, not 0: a heuristic that does not apply must not read as a bad score.
    return "" if value is None else f"{value:.2f}"


def ranking_rows(ranked: Iterable[RankedNode]) -> list[dict[str, str]]:
    """One flat row per node in ``CSV_COLUMNS`` order, for CSV or table output."""
    rows = []
    for node in ranked:
        row = {"pub_key": node.pub_key, "alias": node.alias, "composite": _cell(node.score.composite)}
        row.update({name: _cell(node.score.score_of(name)) for name in HEURISTICS})
        row["rank"] = str(node.rank)
        row["coverage"] = f"{node.score.coverage:.2f}"
        row["gates_failed"] = " ".join(node.gates_failed)
        rows.append(row)
    return rows
