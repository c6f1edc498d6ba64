"""Scores and rankings in the cache (TTL 5 minutes), read through to the store on a miss.

Every key carries the current score version; ``invalidate()`` (called when scores are
recomputed) bumps it, so stale entries are never read again and simply expire.
"""

from __future__ import annotations

import json
from typing import Any

from lnpilot.domain.scores import CompositeScore
from lnpilot.store.cache import Cache
from lnpilot.store.codec import score_from_row, score_to_row
from lnpilot.store.store import Store

SCORE_TTL_S = 300.0
_VERSION_KEY = "scores:version"
_ABSENT = b"null"  # "the store has no score for this subject", cached like a score


def _encode(score: CompositeScore | None, kind: str) -> bytes:
    return _ABSENT if score is None else json.dumps(score_to_row(score, kind)).encode()


def _decode(data: bytes) -> CompositeScore | None:
    return None if data == _ABSENT else score_from_row(json.loads(data))


class ScoreCache:
    def __init__(self, cache: Cache, ttl_s: float = SCORE_TTL_S) -> None:
        self.cache = cache
        self.ttl_s = ttl_s

    async def _prefix(self) -> str:
        return f"scores:v{await self.cache.counter(_VERSION_KEY)}"

    async def version(self) -> int:
        """The current score version (bumped by ``invalidate``); callers key derived caches on it."""
        return await self.cache.counter(_VERSION_KEY)

    async def invalidate(self) -> int:
        """Make every cached score and ranking stale; returns the new version."""
        return await self.cache.incr(_VERSION_KEY)

    async def latest(
        self, store: Store, subject: str, subject_kind: str = "node", profile: str | None = None
    ) -> CompositeScore | None:
        """The newest score of ``subject``: from the cache, else from the store (then cached)."""
        key = f"{await self._prefix()}:latest:{subject_kind}:{profile or '*'}:{subject}"
        hit = await self.cache.get(key)
        if hit is not None:
            return _decode(hit)
        async with store.unit_of_work() as uow:
            score = await uow.scores.latest(subject, subject_kind, profile)
        await self.cache.set(key, _encode(score, subject_kind), self.ttl_s)
        return score

    async def ranking(
        self,
        store: Store,
        by: str = "composite",
        subject_kind: str = "node",
        profile: str = "balanced",
        limit: int = 100,
        offset: int = 0,
    ) -> list[CompositeScore]:
        key = f"{await self._prefix()}:ranking:{subject_kind}:{profile}:{by}:{limit}:{offset}"
        hit = await self.cache.get(key)
        if hit is not None:
            return [score_from_row(row) for row in json.loads(hit)]
        async with store.unit_of_work() as uow:
            scores = await uow.scores.ranking(by, subject_kind, profile, limit, offset)
        rows: list[dict[str, Any]] = [score_to_row(s, subject_kind) for s in scores]
        await self.cache.set(key, json.dumps(rows).encode(), self.ttl_s)
        return scores

    async def save(self, store: Store, scores: list[CompositeScore], subject_kind: str = "node") -> int:
        """Store freshly computed scores, then invalidate the cache (after the commit, never before)."""
        async with store.unit_of_work() as uow:
            count = await uow.scores.add_many(scores, subject_kind)
        await self.invalidate()
        return count
