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
    # Fee prior: anchor x exp(ln(liquidity_spread) x (0.5 - local_ratio)) x flow modifiers.
    liquidity_spread: float
    flow_window_days: float
    flow_gain: float  # fee multiplier per unit of net outflow as a share of capacity
    failed_htlc_gain: float  # extra multiplier when forwards failed for our liquidity (saturates)
    failed_htlc_saturation: int  # failures at which failed_htlc_gain is fully applied
    # The fee loop (decisions/learn.py): evidence discounted at a half-life, moves judged by a z-test.
    forget_half_life_days: float  # evidence this old weighs half (non-stationary demand)
    learn_window_days: float  # how far back segments are read
    dwell_hours: float  # available (not drained) hours a fee must hold before it is judged
    probe_every_days: float  # a fee held this long is probed one level up or down
    level_ratio: float  # one probe step, multiplicative
    max_step_ratio: float  # largest step after repeated paying moves (log-step doubles)
    approach_ratio: float  # farther than this from the prior: approach it at the largest step
    z_better: float  # a move paid when revenue rose by this many standard errors
    z_worse: float  # a move is reverted when revenue fell by this many standard errors
    rollback_ban_days: float  # base ban after a harmful rollback (grows with harm and repeats)
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
    forget_half_life_days=14.0,
    learn_window_days=30.0,
    dwell_hours=24.0,
    probe_every_days=14.0,
    level_ratio=1.15,
    max_step_ratio=1.3,
    approach_ratio=2.0,
    z_better=1.5,
    z_worse=1.5,
    rollback_ban_days=4.0,
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
    forget_half_life_days=7.0,
    learn_window_days=30.0,
    dwell_hours=12.0,
    probe_every_days=7.0,
    level_ratio=1.25,
    max_step_ratio=1.5,
    approach_ratio=1.5,
    z_better=1.0,
    z_worse=1.5,
    rollback_ban_days=2.0,
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
    forget_half_life_days=4.0,
    learn_window_days=21.0,
    dwell_hours=6.0,
    probe_every_days=3.5,
    level_ratio=1.35,
    max_step_ratio=1.5,
    approach_ratio=1.25,
    z_better=0.75,
    z_worse=1.0,
    rollback_ban_days=1.0,
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
    "forget_half_life_days": (0.25, 365.0),
    "learn_window_days": (1.0, 180.0),
    "dwell_hours": (1.0, 720.0),
    "probe_every_days": (0.25, 365.0),
    "level_ratio": (1.01, 2.0),
    "max_step_ratio": (1.01, 2.0),
    "approach_ratio": (1.1, 100.0),
    "z_better": (0.0, 10.0),
    "z_worse": (0.1, 10.0),
    "rollback_ban_days": (0.0, 365.0),
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
