"""Conversions between domain values and column values; the only place that knows both shapes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from lnpilot.domain.graph import RoutingPolicy
from lnpilot.domain.scores import HEURISTICS, CompositeScore, HeuristicScore
from lnpilot.errors import InvalidInputError

_U64 = 1 << 64
_I64_MAX = (1 << 63) - 1


def chan_to_db(chan_id: int) -> int:
    """LND's uint64 chan_id as a signed BIGINT (two's complement); identity below 2**63."""
    if not 0 <= chan_id < _U64:
        raise InvalidInputError(f"chan_id out of uint64 range: {chan_id}")
    return chan_id - _U64 if chan_id > _I64_MAX else chan_id


def chan_from_db(value: int) -> int:
    return value + _U64 if value < 0 else value


def policy_to_json(policy: RoutingPolicy | None) -> dict[str, Any] | None:
    return None if policy is None else asdict(policy)


def policy_from_json(data: Mapping[str, Any] | None) -> RoutingPolicy | None:
    if data is None:
        return None
    return RoutingPolicy(**data)


def score_to_row(score: CompositeScore, subject_kind: str) -> dict[str, Any]:
    if subject_kind not in {"node", "channel"}:
        raise InvalidInputError(f"score subject kind must be 'node' or 'channel', not {subject_kind!r}")
    row: dict[str, Any] = {
        "subject_kind": subject_kind,
        "subject": score.subject,
        "profile": score.profile,
        "computed_at": score.computed_at,
        "composite": score.composite,
        "coverage": score.coverage,
        "heuristics": {
            name: {"score": h.score, "reason": h.reason, "components": dict(h.components)}
            for name, h in score.heuristics.items()
        },
    }
    for name in HEURISTICS:
        row[f"h_{name}"] = score.score_of(name)
    return row


def score_from_row(row: Mapping[Any, Any]) -> CompositeScore:
    if "heuristics" not in row:  # a compact history row: the numbers, without reasons
        heuristics = {
            name: HeuristicScore(name=name, score=row[f"h_{name}"], reason="")
            for name in HEURISTICS
            if row[f"h_{name}"] is not None
        }
    else:
        heuristics = {
            name: HeuristicScore(
                name=name, score=data["score"], reason=data["reason"], components=dict(data["components"])
            )
            for name, data in row["heuristics"].items()
        }
    return CompositeScore(
        subject=row["subject"],
        composite=row["composite"],
        coverage=row["coverage"],
        profile=row["profile"],
        heuristics=heuristics,
        computed_at=row["computed_at"],
    )
