"""Scores: history plus an indexed latest row; rankings by composite or any heuristic."""

from __future__ import annotations

import pytest

from lnpilot.domain.scores import HEURISTICS
from lnpilot.errors import InvalidInputError
from lnpilot.store import Store
from tests.store.factories import pubkey, score


async def test_latest_and_history(store: Store) -> None:
    node = pubkey(1)
    async with store.unit_of_work() as uow:
        await uow.scores.add(score(node, 50.0, 100, centrality=40.0))
        await uow.scores.add(score(node, 70.0, 200, centrality=80.0))
        # A late-arriving older score goes to the history but never replaces the newer one.
        await uow.scores.add(score(node, 10.0, 150))
    async with store.unit_of_work() as uow:
        latest = await uow.scores.latest(node)
        assert latest is not None
        assert latest == score(node, 70.0, 200, centrality=80.0)
        assert latest.heuristics["liquidity"].score is None
        assert latest.heuristics["centrality"].components == {"x": 1.5, "missing": None}
        assert [s.computed_at for s in await uow.scores.history(node)] == [200, 150, 100]
        assert [s.computed_at for s in await uow.scores.history(node, since=150)] == [200, 150]
        assert await uow.scores.latest(pubkey(2)) is None
        assert await uow.scores.latest(node, profile="aggressive") is None
        assert await uow.scores.count_latest() == 1


async def test_profiles_and_kinds_are_separate(store: Store) -> None:
    node = pubkey(1)
    async with store.unit_of_work() as uow:
        await uow.scores.add(score(node, 50.0, 100, profile="balanced"))
        await uow.scores.add(score(node, 60.0, 110, profile="aggressive"))
        await uow.scores.add(score("123456", 30.0, 120), subject_kind="channel")
    async with store.unit_of_work() as uow:
        any_profile = await uow.scores.latest(node)
        assert any_profile is not None and any_profile.profile == "aggressive"
        balanced = await uow.scores.latest(node, profile="balanced")
        assert balanced is not None and balanced.composite == 50.0
        assert (await uow.scores.latest("123456", subject_kind="channel")) is not None
        assert await uow.scores.count_latest("node") == 2
        assert await uow.scores.count_latest("channel") == 1


@pytest.mark.parametrize("by", ["composite", *HEURISTICS])
async def test_ranking_by_any_score(store: Store, by: str) -> None:
    async with store.unit_of_work() as uow:
        for i in range(30):
            value = float((i * 37) % 100)
            extra = {} if by == "composite" else {by: value}
            # Every fifth node has no value for the ranked score: left out of the ranking.
            ranked = None if i % 5 == 0 else value
            composite = ranked if by == "composite" else 1.0
            if by != "composite":
                extra = {by: ranked}
            await uow.scores.add(score(pubkey(i), composite, 100 + i, **extra))
    async with store.unit_of_work() as uow:
        top = await uow.scores.ranking(by=by, limit=10)
        values = [s.composite if by == "composite" else s.score_of(by) for s in top]
        assert len(top) == 10
        assert all(v is not None for v in values)
        assert values == sorted(values, reverse=True)  # type: ignore[type-var]
        rest = await uow.scores.ranking(by=by, limit=100, offset=10)
        assert len(rest) == 24 - 10
        assert await uow.scores.ranking(by=by, profile="aggressive") == []


async def test_ranking_rejects_unknown_score(store: Store) -> None:
    async with store.unit_of_work() as uow:
        with pytest.raises(InvalidInputError, match="cannot rank by"):
            await uow.scores.ranking(by="drop table")


async def test_bad_subject_kind_rejected(store: Store) -> None:
    async with store.unit_of_work() as uow:
        with pytest.raises(InvalidInputError):
            await uow.scores.add(score(pubkey(1), 1.0, 1), subject_kind="planet")
        assert await uow.scores.add_many([]) == 0


async def test_rank_of_matches_the_ranking(store: Store) -> None:
    async with store.unit_of_work() as uow:
        for i, value in enumerate([50.0, 90.0, 50.0, 10.0]):
            await uow.scores.add(score(pubkey(i), value, 100, centrality=100.0 - value))
        unscored = score(pubkey(9), None, 100)
        await uow.scores.add(unscored)
    async with store.unit_of_work() as uow:
        for by in ("composite", "centrality"):
            ranking = await uow.scores.ranking(by=by)
            assert [await uow.scores.rank_of(s, by=by) for s in ranking] == list(range(1, len(ranking) + 1))
        assert await uow.scores.rank_of(unscored) is None
        with pytest.raises(InvalidInputError):
            await uow.scores.rank_of(unscored, by="nope")
