"""Risk profiles: the numbers that make conservative, balanced and aggressive decide differently.

Custom profiles come from the TOML ``[profiles.NAME]`` tables: ``base = "balanced"`` plus any of
the keys below. Keys this package does not own (``weights`` belongs to scoring) are ignored.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lnpilot.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    # Fee target: anchor x exp(ln(liquidity_spread) x (0.5 - local_ratio)) x flow modifiers.
    liquidity_spread: float
    flow_window_days: float
    flow_gain: float  # fee multiplier per unit of net outflow as a share of capacity
    failed_htlc_gain: float  # extra multiplier when forwards failed for our liquidity (saturates)
    failed_htlc_saturation: int  # failures at which failed_htlc_gain is fully applied
    idle_discount: float  # cut when nothing went out in the flow window and we hold > half
    # Damping: move step_fraction of the way; act only past the hysteresis band and min delta.
    step_fraction: float
    hysteresis_pct: float
    reversal_factor: float  # the band is this much wider when reversing the last move
    min_delta_ppm: int
    # Inbound discount on channels whose local side is scarce, to pull liquidity back in.
    inbound_discount_share: float
    inbound_trigger_ratio: float
    tie_max_htlc_to_balance: bool
    min_confidence: float
    # Rebalancing.
    rebalance_enabled: bool
    rebalance_trigger_ratio: float  # target channel's local ratio must be below this
    rebalance_target_ratio: float  # refill up to this local ratio
    rebalance_source_ratio: float  # a source must hold more than this local ratio
    rebalance_budget_share: float  # of what the target earned in budget_window_days
    rebalance_horizon_days: float  # how far ahead expected earnings are counted
    budget_window_days: float
    # Closing.
    close_enabled: bool
    close_window_days: float
    close_margin: float  # shortfall must exceed close_margin x reopening cost
    reopen_cost_sat: int  # operator's estimate of on-chain close + reopen cost
    close_max_score: float  # a composite score above this vetoes a close


CONSERVATIVE = Profile(
    name="conservative",
    liquidity_spread=4.0,
    flow_window_days=14.0,
    flow_gain=0.10,
    failed_htlc_gain=0.10,
    failed_htlc_saturation=20,
    idle_discount=0.05,
    step_fraction=0.25,
    hysteresis_pct=20.0,
    reversal_factor=3.0,
    min_delta_ppm=10,
    inbound_discount_share=0.0,
    inbound_trigger_ratio=0.2,
    tie_max_htlc_to_balance=False,
    min_confidence=0.6,
    rebalance_enabled=True,
    rebalance_trigger_ratio=0.10,
    rebalance_target_ratio=0.40,
    rebalance_source_ratio=0.80,
    rebalance_budget_share=0.10,
    rebalance_horizon_days=7.0,
    budget_window_days=30.0,
    close_enabled=False,
    close_window_days=120.0,
    close_margin=2.0,
    reopen_cost_sat=5_000,
    close_max_score=20.0,
)

BALANCED = Profile(
    name="balanced",
    liquidity_spread=10.0,
    flow_window_days=7.0,
    flow_gain=0.25,
    failed_htlc_gain=0.25,
    failed_htlc_saturation=10,
    idle_discount=0.10,
    step_fraction=0.5,
    hysteresis_pct=10.0,
    reversal_factor=2.0,
    min_delta_ppm=5,
    inbound_discount_share=0.25,
    inbound_trigger_ratio=0.3,
    tie_max_htlc_to_balance=True,
    min_confidence=0.45,
    rebalance_enabled=True,
    rebalance_trigger_ratio=0.20,
    rebalance_target_ratio=0.50,
    rebalance_source_ratio=0.70,
    rebalance_budget_share=0.25,
    rebalance_horizon_days=14.0,
    budget_window_days=30.0,
    close_enabled=True,
    close_window_days=90.0,
    close_margin=1.5,
    reopen_cost_sat=5_000,
    close_max_score=30.0,
)

AGGRESSIVE = Profile(
    name="aggressive",
    liquidity_spread=25.0,
    flow_window_days=3.0,
    flow_gain=0.5,
    failed_htlc_gain=0.5,
    failed_htlc_saturation=5,
    idle_discount=0.20,
    step_fraction=0.8,
    hysteresis_pct=5.0,
    reversal_factor=1.5,
    min_delta_ppm=2,
    inbound_discount_share=0.5,
    inbound_trigger_ratio=0.4,
    tie_max_htlc_to_balance=True,
    min_confidence=0.3,
    rebalance_enabled=True,
    rebalance_trigger_ratio=0.30,
    rebalance_target_ratio=0.50,
    rebalance_source_ratio=0.60,
    rebalance_budget_share=0.50,
    rebalance_horizon_days=30.0,
    budget_window_days=30.0,
    close_enabled=True,
    close_window_days=60.0,
    close_margin=1.0,
    reopen_cost_sat=5_000,
    close_max_score=40.0,
)

BUILTIN: Mapping[str, Profile] = {p.name: p for p in (CONSERVATIVE, BALANCED, AGGRESSIVE)}

_FIELDS = {f.name: f for f in dataclasses.fields(Profile) if f.name != "name"}
# (low, high) inclusive ranges; a custom value outside is a configuration error.
_RANGES: Mapping[str, tuple[float, float]] = {
    "liquidity_spread": (1.0, 1000.0),
    "flow_window_days": (0.5, 365.0),
    "flow_gain": (0.0, 5.0),
    "failed_htlc_gain": (0.0, 5.0),
    "failed_htlc_saturation": (1, 1_000_000),
    "idle_discount": (0.0, 0.9),
    "step_fraction": (0.01, 1.0),
    "hysteresis_pct": (0.0, 1000.0),
    "reversal_factor": (1.0, 100.0),
    "min_delta_ppm": (0, 1_000_000),
    "inbound_discount_share": (0.0, 1.0),
    "inbound_trigger_ratio": (0.0, 1.0),
    "min_confidence": (0.0, 1.0),
    "rebalance_trigger_ratio": (0.0, 1.0),
    "rebalance_target_ratio": (0.0, 1.0),
    "rebalance_source_ratio": (0.0, 1.0),
    "rebalance_budget_share": (0.0, 1.0),
    "rebalance_horizon_days": (0.5, 365.0),
    "budget_window_days": (0.5, 365.0),
    "close_window_days": (1.0, 3650.0),
    "close_margin": (0.0, 100.0),
    "reopen_cost_sat": (0, 100_000_000),
    "close_max_score": (0.0, 100.0),
}


def resolve_profile(name: str, custom: Mapping[str, Mapping[str, Any]] | None = None) -> Profile:
    """The built-in profile ``name``, or the custom one from ``settings.profiles``."""
    custom = custom or {}
    if name in custom:
        return _build_custom(name, custom[name], custom, seen=())
    if name in BUILTIN:
        return BUILTIN[name]
    known = sorted({*BUILTIN, *custom})
    raise ConfigError(f"unknown profile {name!r} (known: {', '.join(known)})")


def _build_custom(
    name: str,
    table: Mapping[str, Any],
    custom: Mapping[str, Mapping[str, Any]],
    seen: tuple[str, ...],
) -> Profile:
    if name in seen:
        raise ConfigError(f"profiles.{name}: 'base' chain loops ({' -> '.join((*seen, name))})")
    base_name = table.get("base", "balanced")
    if not isinstance(base_name, str):
        raise ConfigError(f"profiles.{name}.base: must be a profile name")
    if base_name in custom and base_name != name:
        base = _build_custom(base_name, custom[base_name], custom, (*seen, name))
    elif base_name in BUILTIN:
        base = BUILTIN[base_name]
    else:
        raise ConfigError(f"profiles.{name}.base: unknown profile {base_name!r}")
    changes: dict[str, Any] = {"name": name}
    for key, value in table.items():
        if key not in _FIELDS:
            continue  # owned by another area (scoring's ``weights``) or ``base``
        changes[key] = _checked(name, key, value)
    return dataclasses.replace(base, **changes)


def _checked(profile: str, key: str, value: Any) -> Any:
    kind = _FIELDS[key].type
    where = f"profiles.{profile}.{key}"
    if kind == "bool":
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: must be true or false")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{where}: must be a number")
    if kind == "int" and not float(value).is_integer():
        raise ConfigError(f"{where}: must be a whole number")
    low, high = _RANGES[key]
    if not low <= value <= high:
        raise ConfigError(f"{where}: {value} is outside [{low:g}, {high:g}]")
    return int(value) if kind == "int" else float(value)
