from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lnpilot.domain.scores import HEURISTICS, HeuristicScore
from lnpilot.errors import ConfigError
from lnpilot.scoring.composite import channel_heuristics, combine, score_channels
from lnpilot.scoring.context import build_context
from lnpilot.scoring.profiles import (
    AGGRESSIVE,
    BALANCED,
    BUILTIN_PROFILES,
    CONSERVATIVE,
    load_profiles,
    parse_profile,
    resolve_profile,
)
from tests.scoring.scoring_builders import CHAN_ID, channel, forward, metrics, pubkey, view


def _h(**scores: float | None) -> dict[str, HeuristicScore]:
    return {name: HeuristicScore(name, value, "test") for name, value in scores.items()}


def test_all_available_is_the_weighted_mean() -> None:
    result = combine("x", _h(**dict.fromkeys(HEURISTICS, 40.0)), BALANCED)
    assert result.composite == pytest.approx(40.0)
    assert result.coverage == pytest.approx(1.0)


def test_renormalises_over_available() -> None:
    # Only liquidity (.25) at 80 and activity (.20) at 20: (0.25*80 + 0.2*20) / 0.45
    result = combine("x", _h(liquidity=80.0, activity=20.0, centrality=None), BALANCED)
    assert result.composite == pytest.approx((0.25 * 80 + 0.2 * 20) / 0.45)
    assert result.coverage == pytest.approx(0.45)
    assert result.score_of("centrality") is None and result.score_of("nope") is None


def test_nothing_available() -> None:
    result = combine("x", _h(liquidity=None), BALANCED)
    assert result.composite is None and result.coverage == 0.0


def test_builtin_weights_sum_to_one_and_profiles_differ() -> None:
    for profile in BUILTIN_PROFILES.values():
        assert profile.total_weight == pytest.approx(1.0)
        assert set(profile.weights) == set(HEURISTICS)
    assert BALANCED.weights["centrality"] == 0.20 and BALANCED.weights["liquidity"] == 0.25
    assert (
        CONSERVATIVE.weights["reliability"]
        > BALANCED.weights["reliability"]
        > AGGRESSIVE.weights["reliability"]
    )
    assert AGGRESSIVE.weights["activity"] > BALANCED.weights["activity"] > CONSERVATIVE.weights["activity"]
    # The same evidence ranks differently: a steady old quiet channel vs a busy fresh one.
    steady = _h(reliability=95.0, age_stability=95.0, activity=10.0, competitiveness=30.0)
    busy = _h(reliability=40.0, age_stability=10.0, activity=90.0, competitiveness=90.0)
    ranks = {
        p.name: (combine("a", steady, p).composite or 0.0) - (combine("b", busy, p).composite or 0.0)
        for p in (CONSERVATIVE, AGGRESSIVE)
    }
    assert ranks["conservative"] > 0 > ranks["aggressive"]


def test_custom_profile_from_toml_tables() -> None:
    tables = {
        "mine": {"base": "aggressive", "weights": {"activity": 0.5}, "flow_gain": 0.3},
        "derived": {"base": "mine", "weights": {"liquidity": 0}},
        "balanced": {"min_confidence": 0.5},  # decision keys only: weights unchanged
    }
    profiles = load_profiles(tables)
    assert profiles["mine"].weights["activity"] == 0.5
    assert profiles["mine"].weights["centrality"] == AGGRESSIVE.weights["centrality"]
    assert profiles["derived"].weights["activity"] == 0.5 and profiles["derived"].weights["liquidity"] == 0.0
    assert profiles["balanced"].weights == BALANCED.weights
    assert resolve_profile("mine", tables).name == "mine"
    assert resolve_profile("conservative") is CONSERVATIVE
    assert (
        parse_profile("solo", {"weights": {"centrality": 1}}).weights["liquidity"]
        == BALANCED.weights["liquidity"]
    )


@pytest.mark.parametrize(
    ("tables", "message"),
    [
        ({"p": {"weights": {"luck": 0.5}}}, "unknown heuristic 'luck'"),
        ({"p": {"weights": {"activity": -0.1}}}, "must be a finite number >= 0"),
        ({"p": {"weights": {"activity": "high"}}}, "must be a number"),
        ({"p": {"weights": {"activity": True}}}, "must be a number"),
        ({"p": {"weights": {"activity": float("inf")}}}, "finite"),
        ({"p": {"weights": dict.fromkeys(HEURISTICS, 0)}}, "at least one weight"),
        ({"p": {"weights": [1, 2]}}, "must be a table"),
        ({"p": {"base": "nope"}}, "unknown profile 'nope'"),
        ({"p": {"base": 3}}, "must be a profile name"),
        ({"p": {"base": "q"}, "q": {"base": "p"}}, "loops"),
        ({"p": "x"}, "must be a table"),
    ],
)
def test_bad_profiles_are_config_errors(tables: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_profiles(tables)


def test_unknown_profile_name() -> None:
    with pytest.raises(ConfigError, match="unknown profile 'zzz'"):
        resolve_profile("zzz", {"mine": {}})


def test_score_channels_end_to_end() -> None:
    peers = [metrics(pubkey(i), betweenness_norm=i / 10) for i in range(5)]
    ctx = build_context(peers)
    good = view(
        channel(500_000, 500_000, uptime_s=99, lifetime_s=100),
        peer_metrics=peers[4],
        forwards=tuple(forward(d) for d in range(10)),
        competitor_fee_ppm=200.0,
        current_block_height=900_000,
        reach_lost_nodes=10,
        reach_total_nodes=100,
    )
    poor = view(channel(990_000, 10_000, chan_id=CHAN_ID + 7), peer_metrics=peers[0])
    ranked = score_channels([poor, good], BALANCED, ctx)
    assert [s.subject for s in ranked] == [str(CHAN_ID), str(CHAN_ID + 7)]
    assert ranked[0].coverage == pytest.approx(1.0)
    assert ranked[1].coverage < 1.0
    assert ranked[0].computed_at == good.now
    assert set(channel_heuristics(good, ctx)) == set(HEURISTICS)


score_values = st.one_of(st.none(), st.floats(0, 100, allow_nan=False))


@settings(deadline=None)
@given(
    st.fixed_dictionaries(dict.fromkeys(HEURISTICS, score_values)), st.sampled_from(sorted(BUILTIN_PROFILES))
)
def test_composite_bounded_by_its_inputs(scores: dict[str, float | None], profile: str) -> None:
    result = combine("x", _h(**scores), BUILTIN_PROFILES[profile])
    known = [v for v in scores.values() if v is not None]
    if not known:
        assert result.composite is None
        return
    assert result.composite is not None
    assert min(known) - 1e-6 <= result.composite <= max(known) + 1e-6
    assert 0 < result.coverage <= 1
