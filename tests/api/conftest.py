"""A scoring service on a fresh SQLite store with hand-made scores, served in-process (ASGI)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from lnpilot.api.app import create_app
from lnpilot.api.ratelimit import MemoryRateLimiter
from lnpilot.api.services import ApiServices
from lnpilot.domain.scores import HEURISTICS, CompositeScore, HeuristicScore
from lnpilot.metrics.registry import Metrics
from lnpilot.settings import load_settings
from lnpilot.store import Store
from lnpilot.store.cache import MemoryCache
from lnpilot.store.score_cache import ScoreCache

NOW = 1_764_000_000


def pubkey(i: int) -> str:
    return "02" + f"{i:064x}"


def node_score(i: int, composite: float | None, profile: str = "balanced") -> CompositeScore:
    heuristics = {
        name: HeuristicScore(
            name, None if name == "liquidity" else float((i * 7 + k * 13) % 101), f"{name} r"
        )
        for k, name in enumerate(HEURISTICS)
    }
    return CompositeScore(pubkey(i), composite, 0.75, profile, heuristics, NOW - 60)


@dataclass
class Api:
    client: httpx.AsyncClient
    services: ApiServices


async def make_api(
    tmp_path: Path,
    *,
    public_reads: bool = True,
    public_scores: bool | None = None,
    rate_limit: int = 10_000,
    auth_failures: int = 10_000,
    scores: int = 25,
    **api: object,
) -> tuple[httpx.AsyncClient, ApiServices]:
    settings = load_settings(
        api={
            "public_reads": public_reads,
            "public_scores": public_reads if public_scores is None else public_scores,
            "rate_limit_per_minute": rate_limit,
            "auth_failures_per_minute": auth_failures,
            **api,
        }
    )
    store = await Store.open_url(f"sqlite+aiosqlite:///{tmp_path / 'api.db'}")
    services = ApiServices(
        settings=settings,
        store=store,
        scores=ScoreCache(MemoryCache()),
        limiter=MemoryRateLimiter(rate_limit),
        metrics=Metrics(),
        clock=lambda: float(NOW),
    )
    # Distinct composites except one tie (ids 3 and 4) to exercise the tie-break on pubkey.
    await services.scores.save(
        store, [node_score(i, 50.0 if i in (3, 4) else float(i * 3 % 97)) for i in range(1, scores + 1)]
    )
    app = create_app(settings, services)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    return client, services


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[Api]:
    client, services = await make_api(tmp_path)
    yield Api(client, services)
    await client.aclose()
    await services.aclose()
