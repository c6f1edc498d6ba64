"""Scores produced by ``lnpilot.scoring``: each heuristic 0-100 with components and a reason."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

HEURISTICS: tuple[str, ...] = (
    "centrality",
    "liquidity",
    "activity",
    "competitiveness",
    "reliability",
    "age_stability",
    "peer_quality",
    "network_position",
)


@dataclass(frozen=True, slots=True)
class HeuristicScore:
    """One heuristic's verdict. ``score`` is None when its inputs are missing ("unavailable")."""

    name: str
    score: float | None
    reason: str
    components: Mapping[str, float | None] = field(default_factory=dict)

    @property
    def available(self) -> bool:
        return self.score is not None


@dataclass(frozen=True, slots=True)
class CompositeScore:
    """Weighted mean over the available heuristics; ``coverage`` is the weight share they carry."""

    subject: str  # a node pub_key or a channel id (decimal chan_id)
    composite: float | None
    coverage: float
    profile: str
    heuristics: Mapping[str, HeuristicScore]
    computed_at: int = 0  # unix seconds

    def score_of(self, name: str) -> float | None:
        heuristic = self.heuristics.get(name)
        return heuristic.score if heuristic is not None else None
