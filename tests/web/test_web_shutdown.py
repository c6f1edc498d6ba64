"""The dashboard's shutdown: nothing it started outlives the app's lifespan (and with it the store)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from lnpilot.api.app import create_app
from lnpilot.api.ratelimit import MemoryRateLimiter
from lnpilot.api.services import ApiServices
from lnpilot.metrics.registry import Metrics
from lnpilot.settings import load_settings
from lnpilot.store import Store
from lnpilot.store.cache import MemoryCache
from lnpilot.store.score_cache import ScoreCache
from lnpilot.web.deps import WebState


async def test_a_warm_up_cut_short_has_unwound_before_the_lifespan_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stopped mid warm-up, the server waits for the warm-up to unwind: a cancelled warm-up left
    running rolled back its database read after the store was closed (a CancelledError traceback
    from SQLAlchemy's pool at exit)."""
    started, unwound = asyncio.Event(), []

    async def slow_warm_up(self: WebState, svc: ApiServices) -> None:
        try:
            started.set()
            await asyncio.sleep(3600)  # a read of the graph snapshot in progress
        finally:
            await asyncio.sleep(0)  # the read's rollback: it needs the loop once more
            unwound.append(True)

    monkeypatch.setattr(WebState, "warm_up", slow_warm_up)
    settings = load_settings(data_dir=tmp_path)
    store = await Store.open_url(f"sqlite+aiosqlite:///{tmp_path / 'w.db'}")
    services = ApiServices(
        settings=settings,
        store=store,
        scores=ScoreCache(MemoryCache()),
        limiter=MemoryRateLimiter(100),
        metrics=Metrics(),
    )
    app = create_app(settings, services)
    try:
        async with app.router.lifespan_context(app):
            await asyncio.wait_for(started.wait(), 10)
        assert unwound == [True]
    finally:
        await services.aclose()
