"""Node and channel scores: an append-only history plus one indexed "latest" row per subject."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from lnpilot.domain.scores import HEURISTICS, CompositeScore
from lnpilot.errors import InvalidInputError
from lnpilot.store.codec import score_from_row, score_to_row
from lnpilot.store.repos.base import Repository
from lnpilot.store.tables import score_history, scores_latest

RANKABLE: tuple[str, ...] = ("composite", *HEURISTICS)
_KEYS = ("subject_kind", "subject", "profile")
_NUMBERS = ("composite", "coverage", *(f"h_{name}" for name in HEURISTICS))
# Scores closer than this are the same history point (half the 3-decimal display precision).
_SAME = 5e-4
_DAY_S = 86_400
# Bound parameters per IN list: well under SQLite's and asyncpg's limits (32,766 / 32,767), and a
# whole API batch (1,000 keys) in one read.
_IN_CHUNK = 1_000


def _same_numbers(a: Mapping[Any, Any], b: Mapping[Any, Any]) -> bool:
    for name in _NUMBERS:
        x, y = a[name], b[name]
        if (x is None) != (y is None) or (x is not None and abs(float(x) - float(y)) > _SAME):
            return False
    return True


class ScoreRepository(Repository):
    async def add_many(self, scores: Iterable[CompositeScore], subject_kind: str = "node") -> int:
        rows = [score_to_row(s, subject_kind) for s in scores]
        if not rows:
            return 0
        # History keeps what changed: a subject whose numbers equal its latest row adds nothing.
        t = scores_latest
        previous: dict[tuple[str, str], Mapping[Any, Any]] = {}
        for profile in {r["profile"] for r in rows}:
            subjects = [r["subject"] for r in rows if r["profile"] == profile]
            for start in range(0, len(subjects), 500):
                query = select(t.c.subject, t.c.computed_at, *[t.c[n] for n in _NUMBERS]).where(
                    t.c.subject_kind == subject_kind,
                    t.c.profile == profile,
                    t.c.subject.in_(subjects[start : start + 500]),
                )
                for row in (await self._conn.execute(query)).mappings():
                    previous[(profile, row["subject"])] = row
        changed = [
            {k: v for k, v in r.items() if k != "heuristics"}
            for r in rows
            if (old := previous.get((r["profile"], r["subject"]))) is None
            or old["computed_at"] > r["computed_at"]
            or not _same_numbers(old, r)
        ]
        if changed:
            await self._conn.execute(score_history.insert(), changed)
        builder = pg_insert if self._dialect == "postgresql" else sqlite_insert
        stmt = builder(scores_latest)
        stmt = stmt.on_conflict_do_update(
            index_elements=list(_KEYS),
            set_={c: stmt.excluded[c] for c in rows[0] if c not in _KEYS},
            # An older score arriving late never replaces a newer one.
            where=scores_latest.c.computed_at <= stmt.excluded.computed_at,
        )
        await self._conn.execute(stmt, rows)
        return len(rows)

    async def add(self, score: CompositeScore, subject_kind: str = "node") -> None:
        await self.add_many([score], subject_kind)

    async def latest(
        self, subject: str, subject_kind: str = "node", profile: str | None = None
    ) -> CompositeScore | None:
        """The newest score of ``subject`` (under ``profile`` if given, else under any profile)."""
        t = scores_latest
        query = select(t).where(t.c.subject_kind == subject_kind, t.c.subject == subject)
        if profile is not None:
            query = query.where(t.c.profile == profile)
        row = (await self._conn.execute(query.order_by(t.c.computed_at.desc()).limit(1))).mappings().first()
        return None if row is None else score_from_row(row)

    async def latest_many(
        self, subject_kind: str, profile: str, subjects: Iterable[str] | None = None
    ) -> dict[str, CompositeScore]:
        """The latest score under ``profile`` of each of ``subjects`` (every subject of the kind if
        None), subject -> score; unscored subjects are absent. One read per 1,000 subjects."""
        t = scores_latest
        query = select(t).where(t.c.subject_kind == subject_kind, t.c.profile == profile)
        if subjects is None:
            return {r["subject"]: score_from_row(r) for r in (await self._conn.execute(query)).mappings()}
        wanted = list(dict.fromkeys(subjects))
        out: dict[str, CompositeScore] = {}
        for start in range(0, len(wanted), _IN_CHUNK):
            chunk = query.where(t.c.subject.in_(wanted[start : start + _IN_CHUNK]))
            out.update(
                (r["subject"], score_from_row(r)) for r in (await self._conn.execute(chunk)).mappings()
            )
        return out

    async def history(
        self, subject: str, subject_kind: str = "node", since: int | None = None, limit: int = 1000
    ) -> list[CompositeScore]:
        """Stored scores of ``subject``, newest first."""
        t = score_history
        query = select(t).where(t.c.subject_kind == subject_kind, t.c.subject == subject)
        if since is not None:
            query = query.where(t.c.computed_at >= since)
        query = query.order_by(t.c.computed_at.desc(), t.c.id.desc()).limit(limit)
        return [score_from_row(r) for r in (await self._conn.execute(query)).mappings()]

    async def ranking(
        self,
        by: str = "composite",
        subject_kind: str = "node",
        profile: str = "balanced",
        limit: int = 100,
        offset: int = 0,
    ) -> list[CompositeScore]:
        """Latest scores ordered by ``by`` (composite or a heuristic), best first; unscored ones left out."""
        if by not in RANKABLE:
            raise InvalidInputError(f"cannot rank by {by!r}; choose one of {', '.join(RANKABLE)}")
        t = scores_latest
        column = t.c.composite if by == "composite" else t.c[f"h_{by}"]
        query = (
            select(t)
            .where(t.c.subject_kind == subject_kind, t.c.profile == profile, column.is_not(None))
            .order_by(column.desc(), t.c.subject)
            .limit(limit)
            .offset(offset)
        )
        return [score_from_row(r) for r in (await self._conn.execute(query)).mappings()]

    async def rank_of(
        self, score: CompositeScore, subject_kind: str = "node", by: str = "composite"
    ) -> int | None:
        """1-based position of ``score`` in ``ranking(by)`` (same order: value desc, subject asc)."""
        if by not in RANKABLE:
            raise InvalidInputError(f"cannot rank by {by!r}; choose one of {', '.join(RANKABLE)}")
        value = score.composite if by == "composite" else score.score_of(by)
        if value is None:
            return None
        t = scores_latest
        column = t.c.composite if by == "composite" else t.c[f"h_{by}"]
        ahead = (column > value) | ((column == value) & (t.c.subject < score.subject))
        query = (
            select(func.count())
            .select_from(t)
            .where(t.c.subject_kind == subject_kind, t.c.profile == score.profile, column.is_not(None), ahead)
        )
        return int((await self._conn.execute(query)).scalar_one()) + 1

    async def count_latest(self, subject_kind: str | None = None) -> int:
        query = select(func.count()).select_from(scores_latest)
        if subject_kind is not None:
            query = query.where(scores_latest.c.subject_kind == subject_kind)
        return int((await self._conn.execute(query)).scalar_one())

    async def prune_history(self, before: int) -> int:
        """Drop history older than ``before`` (the latest rows stay)."""
        result = await self._conn.execute(delete(score_history).where(score_history.c.computed_at < before))
        return max(result.rowcount, 0)

    async def compact_history(self, before: int) -> int:
        """Downsample history older than ``before`` to one row per subject, profile and UTC day
        (the day's last). Returns the rows removed."""
        t = score_history
        day = t.c.computed_at // _DAY_S  # floor division, rendered for each dialect
        keep = (
            select(func.max(t.c.id))
            .where(t.c.computed_at < before)
            .group_by(t.c.subject_kind, t.c.subject, t.c.profile, day)
        )
        result = await self._conn.execute(delete(t).where(t.c.computed_at < before, t.c.id.not_in(keep)))
        return max(result.rowcount, 0)
