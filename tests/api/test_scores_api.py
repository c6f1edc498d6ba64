from __future__ import annotations

from pathlib import Path

from tests.api.conftest import Api, make_api, pubkey

PROBLEM = "application/problem+json"


async def test_node_score_with_rank_and_components(api: Api) -> None:
    response = await api.client.get(f"/v1/scores/nodes/{pubkey(20)}")
    assert response.status_code == 200
    body = response.json()
    assert body["pubkey"] == pubkey(20) and body["profile"] == "balanced"
    assert body["composite"] == 60.0 and body["coverage"] == 0.75
    names = [c["name"] for c in body["components"]]
    assert names[0] == "centrality" and len(names) == 8
    liquidity = next(c for c in body["components"] if c["name"] == "liquidity")
    assert liquidity["available"] is False and liquidity["score"] is None
    # composites are i*3 % 97 for i in 1..25 (3 and 4 forced to 50): 60 is beaten by 63..75 (5 values).
    assert body["rank"] == 6
    again = await api.client.get(f"/v1/scores/nodes/{pubkey(20)}")
    assert again.json() == body


async def test_node_score_errors_are_problems(api: Api) -> None:
    bad = await api.client.get("/v1/scores/nodes/not-a-key")
    assert bad.status_code == 422 and bad.headers["content-type"] == PROBLEM
    assert bad.json()["type"].endswith("/malformed-pubkey") and bad.json()["status"] == 422
    missing = await api.client.get(f"/v1/scores/nodes/{pubkey(999)}")
    assert missing.status_code == 404 and missing.json()["type"].endswith("/node-not-found")
    other_profile = await api.client.get(f"/v1/scores/nodes/{pubkey(20)}", params={"profile": "aggressive"})
    assert other_profile.status_code == 404


async def test_rankings_paginate_stably(api: Api) -> None:
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, str | int] = {"limit": 10}
        if cursor:
            params["cursor"] = cursor
        page = (await api.client.get("/v1/rankings", params=params)).json()
        pages += 1
        seen += [item["pubkey"] for item in page["items"]]
        assert [item["rank"] for item in page["items"]] == list(
            range(len(seen) - len(page["items"]) + 1, len(seen) + 1)
        )
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3 and len(seen) == 25 == len(set(seen))
    full = (await api.client.get("/v1/rankings", params={"limit": 100})).json()["items"]
    values = [item["value"] for item in full]
    assert values == sorted(values, reverse=True)
    tie = [item["pubkey"] for item in full if item["value"] == 50.0]
    assert tie == sorted(tie) == [pubkey(3), pubkey(4)]
    assert [item["pubkey"] for item in full] == seen


async def test_rankings_sort_min_score_and_bad_cursor(api: Api) -> None:
    by_activity = (await api.client.get("/v1/rankings", params={"sort": "activity", "limit": 500})).json()
    values = [item["value"] for item in by_activity["items"]]
    assert values == sorted(values, reverse=True) and by_activity["sort"] == "activity"
    assert all(item["heuristics"]["activity"] == item["value"] for item in by_activity["items"])
    high = (await api.client.get("/v1/rankings", params={"min_score": 60})).json()
    assert (
        high["items"] and all(item["value"] >= 60 for item in high["items"]) and high["next_cursor"] is None
    )
    nothing = (await api.client.get("/v1/rankings", params={"sort": "liquidity"})).json()
    assert nothing["items"] == []
    first = (await api.client.get("/v1/rankings", params={"limit": 5})).json()
    wrong = await api.client.get("/v1/rankings", params={"cursor": first["next_cursor"], "sort": "activity"})
    assert wrong.status_code == 409 and wrong.headers["content-type"] == PROBLEM
    foreign = await api.client.get("/v1/rankings", params={"cursor": "0000000000"})  # not one we issued
    assert foreign.status_code == 404 and foreign.json()["type"].endswith("/not-found")
    garbage = await api.client.get("/v1/rankings", params={"cursor": "%%%"})
    assert garbage.status_code == 422
    unknown_sort = await api.client.get("/v1/rankings", params={"sort": "vibes"})
    assert unknown_sort.status_code == 422 and unknown_sort.json()["type"].endswith("/invalid-request")


async def test_batch(api: Api) -> None:
    keys = [pubkey(1), pubkey(2), pubkey(500), pubkey(1)]
    from lnpilot.api.schemas import BatchOut, ScoreOut

    for _ in range(2):  # the second answer is assembled from cached entries
        response = await api.client.post("/v1/scores/batch", json={"pubkeys": keys})
        body = response.json()
        parsed = BatchOut.model_validate_json(response.content)
        assert sorted(s.pubkey for s in parsed.scores) == [pubkey(1), pubkey(2)]
        assert body["unknown"] == [pubkey(500)]
        single = (await api.client.get(f"/v1/scores/nodes/{pubkey(1)}")).json()
        first = next(s for s in parsed.scores if s.pubkey == pubkey(1))
        assert first == ScoreOut.model_validate({**single, "rank": None})
    too_many = await api.client.post("/v1/scores/batch", json={"pubkeys": [pubkey(1)] * 1001})
    assert too_many.status_code == 422
    malformed = await api.client.post("/v1/scores/batch", json={"pubkeys": [pubkey(1), "zz"]})
    assert malformed.status_code == 422 and malformed.json()["type"].endswith("/malformed-pubkey")
    assert (await api.client.post("/v1/scores/batch", json={"pubkeys": []})).status_code == 422
    assert (await api.client.post("/v1/scores/batch", content=b"{not json")).status_code == 422


async def test_recompute_invalidates_cached_answer(api: Api) -> None:
    from tests.api.conftest import node_score

    before = (await api.client.get(f"/v1/scores/nodes/{pubkey(2)}")).json()
    fresher = node_score(2, 99.0)
    fresher = type(fresher)(
        fresher.subject, 99.0, 0.8, "balanced", fresher.heuristics, fresher.computed_at + 100
    )
    await api.services.scores.save(api.services.store, [fresher])
    after = (await api.client.get(f"/v1/scores/nodes/{pubkey(2)}")).json()
    assert before["composite"] != after["composite"] == 99.0 and after["rank"] == 1


async def test_rate_limit_answers_429_with_retry_after(tmp_path: Path) -> None:
    client, services = await make_api(tmp_path, rate_limit=3, scores=2)
    try:
        codes = [(await client.get(f"/v1/scores/nodes/{pubkey(1)}")).status_code for _ in range(3)]
        limited = await client.get(f"/v1/scores/nodes/{pubkey(1)}")
        assert codes == [200, 200, 200] and limited.status_code == 429
        assert limited.headers["content-type"] == PROBLEM and int(limited.headers["retry-after"]) >= 1
        assert limited.json()["type"].endswith("/rate-limited")
        assert (await client.get("/health")).status_code == 200  # liveness is never limited
    finally:
        await client.aclose()
        await services.aclose()


async def test_fast_path_keeps_the_route_contract(tmp_path: Path) -> None:
    client, services = await make_api(tmp_path, public_reads=False, scores=3)
    try:
        async with services.store.unit_of_work() as uow:
            _, key = await uow.api_keys.create("r", "read", 1)
        path = f"/v1/scores/nodes/{pubkey(2)}"
        first = await client.get(path, headers={"X-API-Key": key})  # the route fills the cache
        cached = await client.get(path, headers={"Authorization": f"Bearer {key}"})  # the fast path
        assert first.status_code == cached.status_code == 200 and first.content == cached.content
        assert cached.headers["x-request-id"]
        anonymous = await client.get(path)
        assert anonymous.status_code == 401 and anonymous.headers["content-type"] == PROBLEM
        wrong = await client.get(path, headers={"X-API-Key": "lnp_nope"})
        assert wrong.status_code == 401 and wrong.json()["type"].endswith("/invalid-api-key")
        other_query = await client.get(
            path, params={"profile": "balanced", "x": "1"}, headers={"X-API-Key": key}
        )
        assert other_query.status_code == 200  # falls through to the route
        # A blank or unknown ?node= on a cached key: the route's 422 problem, never a 500.
        for node in ("", "gamma"):
            bad_node = await client.get(path, params={"node": node}, headers={"X-API-Key": key})
            assert bad_node.status_code == 422 and bad_node.headers["content-type"] == PROBLEM, node
            assert "unknown node" in bad_node.json()["detail"]
        same = await client.get(path, params={"node": "default"}, headers={"X-API-Key": key})
        assert same.status_code == 200 and same.content == first.content
        metrics = (await client.get("/metrics")).text
        line = next(
            m
            for m in metrics.splitlines()
            if m.startswith("lnpilot_api_requests_total{")
            and "/v1/scores/nodes/{pubkey}" in m
            and 'status="200"' in m
        )
        assert float(line.rsplit(" ", 1)[1]) == 4.0
    finally:
        await client.aclose()
        await services.aclose()


def test_sort_keys_are_the_composite_and_the_heuristics() -> None:
    from typing import get_args

    from lnpilot.api.schemas import SortKey
    from lnpilot.domain.scores import HEURISTICS

    assert get_args(SortKey) == ("composite", *HEURISTICS)
