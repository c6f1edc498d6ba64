"""Small builders of domain values for the store and sync tests."""

from __future__ import annotations

from lnpilot.domain.graph import RoutingPolicy
from lnpilot.domain.metrics import NodeMetrics
from lnpilot.domain.scores import HEURISTICS, CompositeScore, HeuristicScore


def pubkey(i: int) -> str:
    return "02" + f"{i:064x}"


def score(
    subject: str, composite: float | None, computed_at: int, profile: str = "balanced", **h: float | None
) -> CompositeScore:
    heuristics = {
        name: HeuristicScore(
            name=name,
            score=h.get(name),
            reason=f"{name} reason" if h.get(name) is not None else "unavailable: no data",
            components={"x": 1.5, "missing": None},
        )
        for name in HEURISTICS
    }
    return CompositeScore(
        subject=subject,
        composite=composite,
        coverage=0.75,
        profile=profile,
        heuristics=heuristics,
        computed_at=computed_at,
    )


def policy(fee_rate_ppm: int = 100, base_fee_msat: int = 1000) -> RoutingPolicy:
    return RoutingPolicy(
        base_fee_msat=base_fee_msat,
        fee_rate_ppm=fee_rate_ppm,
        time_lock_delta=40,
        min_htlc_msat=1000,
        max_htlc_msat=990_000_000,
    )


def metrics(pub_key: str, degree: int = 3) -> NodeMetrics:
    return NodeMetrics(
        pub_key=pub_key,
        degree=degree,
        channel_count=degree + 1,
        total_capacity_sat=5_000_000,
        betweenness=12.0,
        betweenness_norm=0.01,
        routing_betweenness=3.0,
        routing_betweenness_norm=0.002,
        closeness=0.4,
        pagerank=0.001,
        median_out_fee_ppm=None,
        median_in_fee_ppm=250.0,
        disabled_share=0.0,
        mean_channel_age_blocks=None,
    )
