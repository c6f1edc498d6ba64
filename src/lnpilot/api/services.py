"""What the API's routes need, built once per app from the settings (or injected by tests)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

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
    # Failed authentications per client address (api.auth_failures_per_minute); made from the
    # settings when not given, sharing Redis with the request limiter when there is one.
    failure_limiter: RateLimiter | None = None
    # /ready's last answer (monotonic time, status, body): probes cost the node requests.
    ready_cache: tuple[float, int, dict[str, Any]] | None = None
    # Check-then-insert of a review is serialised within the process; the audit row records it.
    review_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # None when no node is configured: the node-facing routes then answer 503.
    backend_factory: Callable[[], NodeBackend] | None = None
    clock: Callable[[], float] = field(default=time.time)

    def __post_init__(self) -> None:
        if self.failure_limiter is None:
            self.failure_limiter = make_rate_limiter(
                self.settings.redis_url.get_secret_value() if self.settings.redis_url else None,
                self.settings.api.auth_failures_per_minute,
            )

    @property
    def auth_failures(self) -> RateLimiter:
        assert self.failure_limiter is not None  # set in __post_init__
        return self.failure_limiter

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
        await self.auth_failures.aclose()
        await self.scores.cache.aclose()
        await self.store.close()


def _node_configured(settings: Settings) -> bool:
    """simnet in production settings means an LND REST client on a served simnet (needs its URL)."""
    return settings.backend != "simnet" or settings.lnd_rest_url is not None


BUILTIN_PROFILES = ("conservative", "balanced", "aggressive")


def check_profile(settings: Settings, profile: str) -> str:
    """``profile`` if it is built in or configured; otherwise the documented 422 (invalid-input)."""
    from lnpilot.api.problems import ApiProblem

    known = {*BUILTIN_PROFILES, *settings.profiles}
    if profile not in known:
        raise ApiProblem(
            "invalid-input", f"unknown profile {profile[:64]!r}; known: {', '.join(sorted(known))}"
        )
    return profile
