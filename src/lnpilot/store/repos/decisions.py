"""The decision log (shadow mode's record of what would have been done, and why) and expert reviews."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import case, func, select

from lnpilot.errors import NotFoundError
from lnpilot.store.codec import chan_from_db, chan_to_db
from lnpilot.store.records import DecisionRecord, ExpertReview
from lnpilot.store.repos.base import Repository
from lnpilot.store.tables import channels, decision_reviews, decisions


def _decision(row: Mapping[Any, Any]) -> DecisionRecord:
    return DecisionRecord(
        id=row["id"],
        created_at=row["created_at"],
        type=row["type"],
        chan_id=None if row["chan_id"] is None else chan_from_db(row["chan_id"]),
        params=dict(row["params"]),
        reasons=list(row["reasons"]),
        confidence=row["confidence"],
        profile=row["profile"],
        mode=row["mode"],
        would_execute=row["would_execute"],
    )


class DecisionRepository(Repository):
    async def add(self, record: DecisionRecord) -> int:
        result = await self._conn.execute(
            decisions.insert().values(
                created_at=record.created_at,
                type=record.type,
                chan_id=None if record.chan_id is None else chan_to_db(record.chan_id),
                params=record.params,
                reasons=record.reasons,
                confidence=record.confidence,
                profile=record.profile,
                mode=record.mode,
                would_execute=record.would_execute,
            )
        )
        return int(result.inserted_primary_key[0])  # type: ignore[index]

    async def get(self, decision_id: int) -> DecisionRecord:
        row = (
            (await self._conn.execute(select(decisions).where(decisions.c.id == decision_id)))
            .mappings()
            .first()
        )
        if row is None:
            raise NotFoundError(f"no decision with id {decision_id}")
        return _decision(row)

    async def search(
        self,
        since: int | None = None,
        until: int | None = None,
        type: str | None = None,
        chan_id: int | None = None,
        limit: int = 100,
    ) -> list[DecisionRecord]:
        """Decisions newest first, filtered by time window, type and channel."""
        t = decisions
        query = select(t)
        if since is not None:
            query = query.where(t.c.created_at >= since)
        if until is not None:
            query = query.where(t.c.created_at < until)
        if type is not None:
            query = query.where(t.c.type == type)
        if chan_id is not None:
            query = query.where(t.c.chan_id == chan_to_db(chan_id))
        query = query.order_by(t.c.created_at.desc(), t.c.id.desc()).limit(limit)
        return [_decision(r) for r in (await self._conn.execute(query)).mappings()]

    async def latest_per_channel(self, include_closed: bool = False) -> dict[int, DecisionRecord]:
        """Each tracked channel's newest decision (open channels unless ``include_closed``), chan_id ->
        decision, in one read: per channel one probe of the (chan_id, created_at) index, the same
        order as ``search(chan_id=..., limit=1)``."""
        newer = decisions.alias("newer")
        newest_id = (
            select(newer.c.id)
            .where(newer.c.chan_id == channels.c.chan_id)
            .order_by(newer.c.created_at.desc(), newer.c.id.desc())
            .limit(1)
            .correlate(channels)
            .scalar_subquery()
        )
        query = select(decisions).select_from(channels.join(decisions, decisions.c.id == newest_id))
        if not include_closed:
            query = query.where(channels.c.closed.is_(False))
        rows = (await self._conn.execute(query)).mappings()
        return {chan_from_db(r["chan_id"]): _decision(r) for r in rows}

    async def count(self) -> int:
        return int((await self._conn.execute(select(func.count()).select_from(decisions))).scalar_one())

    async def add_review(self, review: ExpertReview) -> int:
        await self.get(review.decision_id)  # a clear NotFoundError rather than a foreign key failure
        result = await self._conn.execute(
            decision_reviews.insert().values(
                decision_id=review.decision_id,
                agree=review.agree,
                notes=review.notes,
                reviewed_at=review.reviewed_at,
            )
        )
        return int(result.inserted_primary_key[0])  # type: ignore[index]

    async def reviews(self, decision_id: int) -> list[ExpertReview]:
        t = decision_reviews
        query = select(t).where(t.c.decision_id == decision_id).order_by(t.c.reviewed_at, t.c.id)
        return [
            ExpertReview(
                id=r["id"],
                decision_id=r["decision_id"],
                agree=r["agree"],
                notes=r["notes"],
                reviewed_at=r["reviewed_at"],
            )
            for r in (await self._conn.execute(query)).mappings()
        ]

    async def reviews_for(self, decision_ids: list[int]) -> dict[int, list[ExpertReview]]:
        """Reviews of many decisions in one read: decision id -> its reviews, oldest first."""
        out: dict[int, list[ExpertReview]] = {d: [] for d in decision_ids}
        if not decision_ids:
            return out
        t = decision_reviews
        query = select(t).where(t.c.decision_id.in_(decision_ids)).order_by(t.c.reviewed_at, t.c.id)
        for r in (await self._conn.execute(query)).mappings():
            out[r["decision_id"]].append(
                ExpertReview(
                    id=r["id"],
                    decision_id=r["decision_id"],
                    agree=r["agree"],
                    notes=r["notes"],
                    reviewed_at=r["reviewed_at"],
                )
            )
        return out

    async def agreement(self) -> list[tuple[str, int, int]]:
        """Per decision type: (type, reviews, reviews that agree) over every expert review."""
        t, r = decisions, decision_reviews
        agree = func.sum(case((r.c.agree.is_(True), 1), else_=0))
        query = (
            select(t.c.type, func.count(r.c.id), agree)
            .select_from(r.join(t, r.c.decision_id == t.c.id))
            .group_by(t.c.type)
            .order_by(t.c.type)
        )
        return [(str(k), int(n), int(a or 0)) for k, n, a in (await self._conn.execute(query)).all()]
