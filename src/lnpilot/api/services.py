"""What the API's routes need, built once per app from the settings (or injected by tests)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from lnpilot.api.ratelimit import RateLimiter, make_rate_limiter
from lnpilot.backends.base import NodeBackend
from lnpilot.metrics.registry import Metrics
from lnpilot.settings import Settings
from lnpilot.store import Store
from lnpilot.store.cache import make_cache
from lnpilot.store.score_cache import ScoreCache


@dataclass
class ApiServices:
    settings: Settings
    store: Store
    scores: ScoreCache
    limiter: RateLimiter
    metrics: Metrics
    # None when no node is configured: the node-facing routes then answer 503.
    backend_factory: Callable[[], NodeBackend] | None = None
    clock: Callable[[], float] = field(default=time.time)

    def now(self) -> int:
        return int(self.clock())

    @classmethod
    async def from_settings(cls, settings: Settings, metrics: Metrics | None = None) -> ApiServices:
        from lnpilot.backends.factory import make_backend

        store = await Store.open(settings)
        redis_url = settings.redis_url.get_secret_value() if settings.redis_url else None
        return cls(
            settings=settings,
            store=store,
            scores=ScoreCache(make_cache(settings)),
            limiter=make_rate_limiter(redis_url, settings.api.rate_limit_per_minute),
            metrics=metrics or Metrics(),
            backend_factory=(lambda: make_backend(settings)) if _node_configured(settings) else None,
        )

    async def aclose(self) -> None:
        await self.limiter.aclose()
        await self.scores.cache.aclose()
        await self.store.close()


def _node_configured(settings: Settings) -> bool:
    """simnet in production settings means an LND REST client on a served simnet (needs its URL)."""
    return settings.backend != "simnet" or settings.lnd_rest_url is not None
