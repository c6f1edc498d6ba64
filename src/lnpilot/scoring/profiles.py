"""Scoring profiles: how much each heuristic counts in the composite.

Built-in profiles are below; custom ones come from the TOML file's ``[profiles.NAME]`` tables
(``base = "balanced"``, ``weights = {activity = 0.3, ...}``). A table may carry keys other areas
own (the decision engine's thresholds): this module reads ``base`` and ``weights`` only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lnpilot.domain.scores import HEURISTICS
from lnpilot.errors import ConfigError


@dataclass(frozen=True, slots=True)
class ScoringProfile:
    name: str
    weights: Mapping[str, float]
    description: str = ""

    @property
    def total_weight(self) -> float:
        return sum(self.weights.values())


def _profile(name: str, description: str, **weights: float) -> ScoringProfile:
    assert set(weights) == set(HEURISTICS), name
    return ScoringProfile(name, {h: weights[h] for h in HEURISTICS}, description)


BALANCED = _profile(
    "balanced",
    "the seed's defaults: balance and activity first, then position and price",
    centrality=0.20,
    liquidity=0.25,
    activity=0.20,
    competitiveness=0.15,
    reliability=0.10,
    age_stability=0.05,
    peer_quality=0.03,
    network_position=0.02,
)
# Conservative: judge on proven, slow-moving evidence (uptime, age, who the peer is) and less on
# this month's flow and price, so a quiet week does not condemn a long-standing channel.
CONSERVATIVE = _profile(
    "conservative",
    "trust proven evidence: reliability, age and peer quality count more, recent flow less",
    centrality=0.15,
    liquidity=0.20,
    activity=0.15,
    competitiveness=0.10,
    reliability=0.20,
    age_stability=0.10,
    peer_quality=0.07,
    network_position=0.03,
)
# Aggressive: chase revenue now; what routes and what is priced right counts, pedigree barely.
AGGRESSIVE = _profile(
    "aggressive",
    "chase revenue: activity, price and centrality count more, age and pedigree less",
    centrality=0.22,
    liquidity=0.20,
    activity=0.28,
    competitiveness=0.20,
    reliability=0.05,
    age_stability=0.01,
    peer_quality=0.02,
    network_position=0.02,
)
BUILTIN_PROFILES: Mapping[str, ScoringProfile] = {p.name: p for p in (CONSERVATIVE, BALANCED, AGGRESSIVE)}


def _weight(profile: str, heuristic: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"profiles.{profile}.weights.{heuristic}: must be a number, got {value!r}")
    weight = float(value)
    if not math.isfinite(weight) or weight < 0:
        raise ConfigError(
            f"profiles.{profile}.weights.{heuristic}: must be a finite number >= 0, got {value!r}"
        )
    return weight


def parse_profile(
    name: str, table: Mapping[str, Any], tables: Mapping[str, Mapping[str, Any]] | None = None
) -> ScoringProfile:
    """One ``[profiles.NAME]`` table: its base profile's weights with the given ones replaced.

    ``base`` may name a built-in profile or another table in ``tables`` (as the decision
    engine's profiles allow); a loop of bases is a ConfigError.
    """
    return _build(name, table, tables or {}, seen=())


def _build(
    name: str, table: Mapping[str, Any], tables: Mapping[str, Mapping[str, Any]], seen: tuple[str, ...]
) -> ScoringProfile:
    if name in seen:
        raise ConfigError(f"profiles.{name}: 'base' chain loops ({' -> '.join((*seen, name))})")
    if not isinstance(table, Mapping):
        raise ConfigError(f"profiles.{name}: must be a table")
    base_name = table.get("base", name if name in BUILTIN_PROFILES else "balanced")
    if not isinstance(base_name, str):
        raise ConfigError(f"profiles.{name}.base: must be a profile name")
    if base_name in tables and base_name != name:
        base = _build(base_name, tables[base_name], tables, (*seen, name))
    elif base_name in BUILTIN_PROFILES:
        base = BUILTIN_PROFILES[base_name]
    else:
        known = ", ".join(sorted({*BUILTIN_PROFILES, *tables}))
        raise ConfigError(f"profiles.{name}.base: unknown profile {base_name!r} (known: {known})")
    weights = dict(base.weights)
    raw = table.get("weights", {})
    if not isinstance(raw, Mapping):
        raise ConfigError(f"profiles.{name}.weights: must be a table of heuristic = weight")
    for heuristic, value in raw.items():
        if heuristic not in HEURISTICS:
            raise ConfigError(
                f"profiles.{name}.weights: unknown heuristic {heuristic!r} (known: {', '.join(HEURISTICS)})"
            )
        weights[heuristic] = _weight(name, heuristic, value)
    if sum(weights.values()) <= 0:
        raise ConfigError(f"profiles.{name}.weights: at least one weight must be above 0")
    description = str(table.get("description", f"custom profile based on {base_name}"))
    return ScoringProfile(name, weights, description)


def load_profiles(tables: Mapping[str, Mapping[str, Any]]) -> dict[str, ScoringProfile]:
    """Built-in profiles plus (or overridden by) the TOML ``profiles`` tables."""
    profiles = dict(BUILTIN_PROFILES)
    for name, table in tables.items():
        profiles[name] = _build(name, table, tables, seen=())
    return profiles


def resolve_profile(name: str, tables: Mapping[str, Mapping[str, Any]] | None = None) -> ScoringProfile:
    profiles = load_profiles(tables or {})
    if name not in profiles:
        raise ConfigError(f"unknown profile {name!r} (known: {', '.join(sorted(profiles))})")
    return profiles[name]
