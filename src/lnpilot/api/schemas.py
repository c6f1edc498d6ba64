"""Request and response bodies of the scoring service, with the examples the OpenAPI shows."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from lnpilot.domain.scores import HEURISTICS, CompositeScore

_PUB = "03864ef025fde8fb587d989186ce6a4a186895ee44a926bfc370e2c366597a3f8f"
SortKey = Literal[
    "composite",
    "centrality",
    "liquidity",
    "activity",
    "competitiveness",
    "reliability",
    "age_stability",
    "peer_quality",
    "network_position",
]


class HeuristicOut(BaseModel):
    name: str = Field(examples=["centrality"])
    score: float | None = Field(description="0-100; null when the heuristic is unavailable", examples=[87.5])
    available: bool
    reason: str = Field(examples=["betweenness in the top 1 % of the graph"])
    components: dict[str, float | None] = Field(default_factory=dict, examples=[{"betweenness_pct": 99.2}])


class ScoreOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "pubkey": _PUB,
                    "profile": "balanced",
                    "composite": 81.2,
                    "coverage": 0.45,
                    "rank": 3,
                    "computed_at": 1764000000,
                    "components": [
                        {
                            "name": "centrality",
                            "score": 97.0,
                            "available": True,
                            "reason": "top 1 % betweenness",
                            "components": {},
                        }
                    ],
                }
            ]
        }
    )

    pubkey: str
    profile: str
    composite: float | None = Field(description="Weighted mean over the available heuristics")
    coverage: float = Field(description="Share of the profile's weight the available heuristics carry")
    rank: int | None = Field(None, description="1-based rank by composite among scored nodes")
    computed_at: int = Field(description="Unix seconds of the scoring run (the graph snapshot it used)")
    components: list[HeuristicOut]

    @classmethod
    def of(cls, score: CompositeScore, rank: int | None = None) -> ScoreOut:
        return cls(
            pubkey=score.subject,
            profile=score.profile,
            composite=score.composite,
            coverage=score.coverage,
            rank=rank,
            computed_at=score.computed_at,
            components=[
                HeuristicOut(
                    name=name,
                    score=h.score,
                    available=h.available,
                    reason=h.reason,
                    components=dict(h.components),
                )
                for name in HEURISTICS
                if (h := score.heuristics.get(name)) is not None
            ],
        )


class RankingItem(BaseModel):
    rank: int
    pubkey: str
    value: float = Field(description="The value of the sort key")
    composite: float | None
    heuristics: dict[str, float | None]


class RankingPage(BaseModel):
    items: list[RankingItem]
    sort: SortKey
    profile: str
    limit: int
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page; null on the last page")


class BatchIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"pubkeys": [_PUB]}]})

    pubkeys: list[str] = Field(min_length=1, max_length=1000, description="At most 1,000 node public keys")


class BatchOut(BaseModel):
    scores: list[ScoreOut]
    unknown: list[str] = Field(description="Well-formed keys with no score")


class DecisionOut(BaseModel):
    id: int
    created_at: int
    type: str = Field(examples=["increase_fees"])
    profile: str
    mode: str
    would_execute: bool
    chan_id: str | None = Field(description="uint64 channel id as a decimal string")
    params: dict[str, Any]
    reasons: list[Any]
    confidence: float | None


class ChannelOut(BaseModel):
    chan_id: str
    channel_point: str
    remote_pubkey: str
    capacity_sat: int
    closed: bool
    score: ScoreOut | None
    latest_decision: DecisionOut | None


class ReviewIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"agree": True, "notes": "sensible raise"}]})

    agree: bool
    notes: str = Field("", max_length=2000)


class ReviewOut(BaseModel):
    id: int
    decision_id: int
    agree: bool
    notes: str
    reviewed_at: int


class AgreementByType(BaseModel):
    type: str
    reviews: int
    agreed: int
    rate: float | None


class AgreementOut(BaseModel):
    reviews: int
    agreed: int
    rate: float | None = Field(description="agreed / reviews; null when nothing was reviewed")
    by_type: list[AgreementByType]


class ApplyIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"mode": "shadow"}]})

    mode: Literal["shadow", "pilot", "live"] = "shadow"
    source: Literal["node", "store"] = Field(
        "node", description="Decide from the live node, or from what `lnpilot sync` stored (richer history)"
    )
    # Omitted: every channel. A list must name only our channels and not be empty (422 otherwise).
    channels: list[str] | None = Field(None, min_length=1, max_length=1000)
    profile: str | None = None
    stop_on_error: bool = False


class TransactionItemOut(BaseModel):
    chan_id: str
    channel_point: str
    requested: dict[str, Any]
    backup: dict[str, Any] | None
    result: dict[str, Any] | None


class TransactionOut(BaseModel):
    id: int
    created_at: int
    updated_at: int
    mode: str
    status: str
    note: str
    items: list[TransactionItemOut]


class CheckOut(BaseModel):
    status: Literal["ok", "fail", "stale", "not_configured"]
    detail: str = ""


class ReadyOut(BaseModel):
    status: Literal["ok", "unavailable"]
    checks: dict[str, CheckOut]


class HealthOut(BaseModel):
    status: Literal["ok"] = "ok"
    version: str
