from __future__ import annotations

import json

import pytest

from lnpilot.decisions import BUILTIN, DecisionEngine, resolve_profile
from lnpilot.decisions.profiles import AGGRESSIVE, BALANCED, CONSERVATIVE
from lnpilot.errors import ConfigError
from lnpilot.settings import Settings
from tests.decisions.view_builders import NOW, view


def test_builtin_profiles_really_differ() -> None:
    # Ordered by appetite: wider spread, faster steps, narrower band, lower bar to act.
    assert CONSERVATIVE.liquidity_spread < BALANCED.liquidity_spread < AGGRESSIVE.liquidity_spread
    assert CONSERVATIVE.step_fraction < BALANCED.step_fraction < AGGRESSIVE.step_fraction
    assert CONSERVATIVE.hysteresis_pct > BALANCED.hysteresis_pct > AGGRESSIVE.hysteresis_pct
    assert CONSERVATIVE.min_confidence > BALANCED.min_confidence > AGGRESSIVE.min_confidence
    assert (
        CONSERVATIVE.rebalance_budget_share
        < BALANCED.rebalance_budget_share
        < AGGRESSIVE.rebalance_budget_share
    )
    assert not CONSERVATIVE.close_enabled and BALANCED.close_enabled


def test_custom_profile_inherits_and_ignores_foreign_keys() -> None:
    custom = {
        "mine": {
            "base": "aggressive",
            "step_fraction": 0.3,
            "min_delta_ppm": 7,
            "weights": {"liquidity": 0.5},
        },
        "tame": {"base": "mine", "close_enabled": False},
    }
    mine = resolve_profile("mine", custom)
    assert mine.name == "mine"
    assert (mine.step_fraction, mine.min_delta_ppm, mine.liquidity_spread) == (
        0.3,
        7,
        AGGRESSIVE.liquidity_spread,
    )
    tame = resolve_profile("tame", custom)
    assert tame.step_fraction == 0.3 and not tame.close_enabled
    assert resolve_profile("balanced", custom) is BALANCED
    assert resolve_profile("default_base", {"default_base": {}}).liquidity_spread == BALANCED.liquidity_spread


@pytest.mark.parametrize(
    ("table", "needle"),
    [
        ({"base": "wild"}, "unknown profile 'wild'"),
        ({"base": 3}, "must be a profile name"),
        ({"step_fraction": "fast"}, "profiles.p.step_fraction: must be a number"),
        ({"step_fraction": 2.0}, "outside [0.01, 1]"),
        ({"min_delta_ppm": 2.5}, "must be a whole number"),
        ({"close_enabled": 1}, "must be true or false"),
        ({"min_confidence": True}, "must be a number"),
    ],
)
def test_bad_custom_profile_is_one_clear_error(table: dict[str, object], needle: str) -> None:
    with pytest.raises(ConfigError, match=None) as caught:
        resolve_profile("p", {"p": table})
    assert needle in str(caught.value)


def test_profile_loops_and_unknown_names() -> None:
    with pytest.raises(ConfigError, match="loops"):
        resolve_profile("a", {"a": {"base": "b"}, "b": {"base": "a"}})
    with pytest.raises(ConfigError, match="known: aggressive, balanced, conservative"):
        resolve_profile("nope")


def test_engine_from_settings_reads_profiles_limits_and_overrides() -> None:
    settings = Settings(
        profile="mine",
        profiles={"mine": {"base": "conservative", "min_confidence": 0.1}},
        channels={"800000x1x0": {"pin": True}},
    )
    engine = DecisionEngine.from_settings(settings)
    assert engine.profile.min_confidence == 0.1
    assert "pinned" in engine.decide(view(local_sat=50_000), None, NOW).reasons[0]
    assert DecisionEngine.from_settings(settings, "aggressive").profile is BUILTIN["aggressive"]


def test_decision_serialises_to_json() -> None:
    decision = DecisionEngine(BALANCED, Settings().limits).decide(view(local_sat=50_000), None, NOW)
    data = json.loads(json.dumps(decision.to_dict()))
    assert data["type"] == "increase_fees"
    assert data["new_policy"]["fee_rate_ppm"] == 150
    assert data["old_policy"]["fee_rate_ppm"] == 100
    assert data["rebalance"] is None and data["close"] is None
