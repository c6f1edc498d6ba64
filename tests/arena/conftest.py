"""A tiny arena: 80-node generated graph, 4 channels, 2 simulated days, 2 seeds."""

from __future__ import annotations

from dataclasses import replace

import pytest

from lnpilot.arena.types import GraphSpec, RunSpec

TINY = RunSpec(strategy="static-lnd", seed=1, graph=GraphSpec(nodes=80), channels=4, days=2.0)


def tiny(strategy: str, seed: int = 1, **changes: object) -> RunSpec:
    return replace(TINY, strategy=strategy, seed=seed, **changes)  # type: ignore[arg-type]


@pytest.fixture
def tiny_spec() -> RunSpec:
    return TINY
