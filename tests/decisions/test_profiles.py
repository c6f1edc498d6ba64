from __future__ import annotations

import json

import pytest

from lnpilot.decisions import BUILTIN, DecisionEngine, resolve_profile
from lnpilot.decisions.profiles import AGGRESSIVE, BALANCED, CONSERVATIVE
from lnpilot.errors import ConfigError
from lnpilot.settings import Settings
from tests.decisions.view_builders import NOW, view


def test_builtin_profiles_really_differ() -> None:
    # Ordered by appetite: wider spread, bigger probes, shorter memory and dwell, lower bar to act.
    assert CONSERVATIVE.liquidity_spread < BALANCED.liquidity_spread < AGGRESSIVE.liquidity_spread
    assert CONSERVATIVE.level_ratio < BALANCED.level_ratio < AGGRESSIVE.level_ratio
    assert CONSERVATIVE.dwell_hours > BALANCED.dwell_hours > AGGRESSIVE.dwell_hours
    assert CONSERVATIVE.probe_every_days > BALANCED.probe_every_days > AGGRESSIVE.probe_every_days
    assert (
        CONSERVATIVE.forget_half_life_days > BALANCED.forget_half_life_days > AGGRESSIVE.forget_half_life_days
    )
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
            "level_ratio": 1.3,
            "dwell_hours": 7,
            "weights": {"liquidity": 0.5},
        },
        "tame": {"base": "mine", "close_enabled": False},
    }
    mine = resolve_profile("mine", custom)
    assert mine.name == "mine"
    assert (mine.level_ratio, mine.dwell_hours, mine.liquidity_spread) == (
        1.3,
        7.0,
        AGGRESSIVE.liquidity_spread,
    )
    tame = resolve_profile("tame", custom)
    assert tame.level_ratio == 1.3 and not tame.close_enabled
    assert resolve_profile("balanced", custom) is BALANCED
    assert resolve_profile("default_base", {"default_base": {}}).liquidity_spread == BALANCED.liquidity_spread


@pytest.mark.parametrize(
    ("table", "needle"),
    [
        ({"base": "wild"}, "unknown profile 'wild'"),
        ({"base": 3}, "must be a profile name"),
        ({"level_ratio": "fast"}, "profiles.p.level_ratio: must be a number"),
        ({"level_ratio": 3.0}, "outside [1.01, 2]"),
        ({"failed_htlc_saturation": 2.5}, "must be a whole number"),
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
    assert data["new_policy"]["fee_rate_ppm"] == 150  # approaching the 282 ppm prior, capped at +50 %
    assert data["old_policy"]["fee_rate_ppm"] == 100
    assert data["rebalance"] is None and data["close"] is None
