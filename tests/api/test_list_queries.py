"""List endpoints read the database a fixed number of times, however many rows they list (no N+1)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from lnpilot.domain.node import LocalChannel
from lnpilot.domain.scores import HEURISTICS, CompositeScore, HeuristicScore
from lnpilot.store.records import DecisionRecord
from tests.api.conftest import NOW, Api, pubkey


def _chan_id(i: int) -> int:
    return (800_000 + i) << 40 | (i << 16) | 1


@contextmanager
def _counting(api: Api) -> Iterator[list[str]]:
    """Every SQL statement the store's engine sends while the block runs."""
    statements: list[str] = []

    def record(conn: object, cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    engine = api.services.store.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def _seed_channels(api: Api, n: int) -> None:
    channels = [
        LocalChannel(
            chan_id=_chan_id(i),
            channel_point=f"{i:064x}:0",
            remote_pubkey=pubkey(10_000 + i),
            capacity_sat=1_000_000,
            local_balance_sat=500_000,
            remote_balance_sat=500_000,
            active=True,
        )
        for i in range(n)
    ]
    scores = [
        CompositeScore(
            str(_chan_id(i)),
            float(i),
            1.0,
            "balanced",
            {h: HeuristicScore(h, 50.0, "r") for h in HEURISTICS},
            NOW - 60,
        )
        for i in range(n)
        if i % 3  # every third channel has no score: absent, not a stale neighbour's
    ]
    async with api.services.store.unit_of_work() as uow:
        await uow.channels.record_open(channels, NOW - 3600)
        for i in range(n):
            if i % 4 == 3:
                continue  # and every fourth no decision
            for age in (300, 100):
                await uow.decisions.add(
                    DecisionRecord(
                        NOW - age,
                        "no_action",
                        "balanced",
                        "shadow",
                        False,
                        _chan_id(i),
                        {},
                        [f"{i}@{age}"],
                        0.5,
                    )
                )
        await uow.scores.add_many(scores, "channel")


async def _list_channels(api: Api) -> tuple[list[dict[str, object]], int]:
    with _counting(api) as statements:
        response = await api.client.get("/v1/channels")
    assert response.status_code == 200
    return response.json(), sum(1 for s in statements if s.lstrip().upper().startswith("SELECT"))


@pytest.mark.parametrize("n", [1, 20])
async def test_channels_list_reads_a_fixed_number_of_times(api: Api, n: int) -> None:
    await _seed_channels(api, n)
    body, selects = await _list_channels(api)
    assert len(body) == n
    # channels, their scores, their newest decisions: three reads for 1 channel or for 20
    assert selects == 3, selects
    for i, row in enumerate(sorted(body, key=lambda r: int(str(r["chan_id"])))):
        decision = row["latest_decision"]
        assert (decision is None) == (i % 4 == 3)
        if decision is not None:
            assert decision["reasons"] == [f"{i}@100"]  # the newer of the two
        score = row["score"]
        assert (score is None) == (i % 3 == 0)
        if score is not None:
            assert score["composite"] == float(i)


async def test_score_batch_reads_once_for_many_keys(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    keys = [pubkey(i) for i in range(1, 26)] + [pubkey(9_999)]
    cache = api.services.scores.cache
    calls: list[str] = []
    for name in ("get", "set", "get_many", "set_many"):
        real = getattr(cache, name)

        def counted(*args: object, _name: str = name, _real: object = real) -> object:
            calls.append(_name)
            return _real(*args)  # type: ignore[operator]

        monkeypatch.setattr(cache, name, counted)
    with _counting(api) as statements:
        response = await api.client.post("/v1/scores/batch", json={"pubkeys": keys})
    # the cache too: one round trip to look every key up, one to keep what the store gave
    assert calls == ["get_many", "set_many"]
    assert response.status_code == 200
    body = response.json()
    assert len(body["scores"]) == 25 and body["unknown"] == [pubkey(9_999)]
    assert sum(1 for s in statements if s.lstrip().upper().startswith("SELECT")) == 1
    # the second call is answered from the cache
    with _counting(api) as statements:
        again = await api.client.post("/v1/scores/batch", json={"pubkeys": keys})
    assert again.json() == body and statements == []
