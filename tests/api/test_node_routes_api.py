"""Channels, decisions and reviews, health, readiness and metrics."""

from __future__ import annotations

from lnpilot.domain.node import LocalChannel
from lnpilot.store.records import DecisionRecord
from tests.api.conftest import NOW, Api

CHAN = (800_000 << 40) | (12 << 16) | 1


async def _seed(api: Api) -> list[int]:
    channel = LocalChannel(
        chan_id=CHAN,
        channel_point="ab" * 32 + ":1",
        remote_pubkey="03" + "cd" * 32,
        capacity_sat=2_000_000,
        local_balance_sat=1_000_000,
        remote_balance_sat=1_000_000,
        active=True,
    )
    async with api.services.store.unit_of_work() as uow:
        await uow.channels.record_open([channel], NOW - 3600)
        return [
            await uow.decisions.add(
                DecisionRecord(
                    NOW - 100 + i,
                    kind,
                    "balanced",
                    "shadow",
                    True,
                    CHAN,
                    {"fee_rate_ppm": 100 + i},
                    [f"r{i}"],
                    0.5,
                )
            )
            for i, kind in enumerate(["increase_fees", "no_action", "increase_fees"])
        ]


async def test_channels_and_recommendation(api: Api) -> None:
    await _seed(api)
    channels = (await api.client.get("/v1/channels")).json()
    assert len(channels) == 1 and channels[0]["chan_id"] == str(CHAN)
    assert channels[0]["latest_decision"]["reasons"] == ["r2"] and channels[0]["score"] is None
    by_scid = await api.client.get("/v1/channels/800000x12x1/recommendation")
    assert by_scid.status_code == 200 and by_scid.json()["chan_id"] == str(CHAN)
    assert (await api.client.get(f"/v1/channels/{CHAN}/recommendation")).json() == by_scid.json()
    assert (await api.client.get("/v1/channels/1x1x1/recommendation")).status_code == 404
    garbage = await api.client.get("/v1/channels/abc/recommendation")
    assert garbage.status_code == 422 and garbage.json()["type"].endswith("/invalid-request")


async def test_decisions_reviews_and_agreement(api: Api) -> None:
    ids = await _seed(api)
    listed = (await api.client.get("/v1/decisions")).json()
    assert [d["id"] for d in listed] == ids[::-1]
    raises = (await api.client.get("/v1/decisions", params={"type": "increase_fees"})).json()
    assert {d["id"] for d in raises} == {ids[0], ids[2]}
    recent = (await api.client.get("/v1/decisions", params={"since": NOW - 99})).json()
    assert {d["id"] for d in recent} == {ids[1], ids[2]}
    assert (await api.client.get("/v1/decisions", params={"type": "yolo"})).status_code == 422
    empty = (await api.client.get("/v1/decisions/agreement")).json()
    assert empty == {"reviews": 0, "agreed": 0, "rate": None, "by_type": []}
    # Public reads do not open mutations: a review needs an admin key.
    assert (await api.client.post(f"/v1/decisions/{ids[0]}/review", json={"agree": True})).status_code == 401
    async with api.services.store.unit_of_work() as uow:
        _, admin = await uow.api_keys.create("ops", "admin", NOW)
    headers = {"X-API-Key": admin}
    for decision_id, agree in [(ids[0], True), (ids[2], False), (ids[1], True)]:
        response = await api.client.post(
            f"/v1/decisions/{decision_id}/review", json={"agree": agree, "notes": "n"}, headers=headers
        )
        assert response.status_code == 201 and response.json()["decision_id"] == decision_id
    stats = (await api.client.get("/v1/decisions/agreement")).json()
    assert stats["reviews"] == 3 and stats["agreed"] == 2 and abs(stats["rate"] - 2 / 3) < 1e-12
    assert {r["type"]: (r["reviews"], r["agreed"]) for r in stats["by_type"]} == {
        "increase_fees": (2, 1),
        "no_action": (1, 1),
    }
    missing = await api.client.post("/v1/decisions/99999/review", json={"agree": True}, headers=headers)
    assert missing.status_code == 404
    bad_body = await api.client.post(
        f"/v1/decisions/{ids[0]}/review", json={"agree": "maybe"}, headers=headers
    )
    assert bad_body.status_code == 422
    async with api.services.store.unit_of_work() as uow:
        audit = await uow.audit.recent()
    assert sum(1 for a in audit if a.action == "review") == 3


async def test_health_ready_metrics(api: Api) -> None:
    health = (await api.client.get("/health")).json()
    assert health["status"] == "ok" and health["version"]
    ready = await api.client.get("/ready")
    assert ready.status_code == 200
    checks = ready.json()["checks"]
    assert checks["database"] == {"status": "ok", "detail": "sqlite"}
    assert checks["cache"]["status"] == "ok"
    assert checks["backend"]["status"] == "not_configured"
    assert checks["graph"]["status"] == "stale"  # no snapshot stored yet
    await api.client.get("/v1/rankings")
    metrics = await api.client.get("/metrics")
    assert metrics.status_code == 200 and "text/plain" in metrics.headers["content-type"]
    assert 'route="/v1/rankings"' in metrics.text


async def test_ready_fails_when_database_is_gone(api: Api) -> None:
    from lnpilot.store import Store
    from lnpilot.store.engine import make_engine

    original = api.services.store
    # Nothing listens on port 1: every connection attempt fails at once.
    api.services.store = Store(make_engine("postgresql+asyncpg://postgres@127.0.0.1:1/none"))
    try:
        ready = await api.client.get("/ready")
    finally:
        await api.services.store.close()
        api.services.store = original
    assert ready.status_code == 503 and ready.json()["checks"]["database"]["status"] == "fail"


async def test_node_routes_without_backend_are_503(api: Api) -> None:
    async with api.services.store.unit_of_work() as uow:
        _, admin = await uow.api_keys.create("ops", "admin", NOW)
    response = await api.client.post(
        "/v1/actions/apply", json={"mode": "shadow"}, headers={"X-API-Key": admin}
    )
    assert response.status_code == 503 and response.json()["type"].endswith("/backend-unavailable")
    assert (await api.client.get("/v1/transactions")).json() == []


async def test_out_of_range_ids_are_422_not_500(api: Api) -> None:
    huge = str(2**70)
    assert (await api.client.get("/v1/decisions", params={"since": huge})).status_code == 422
    assert (await api.client.get(f"/v1/channels/{huge}/recommendation")).status_code == 422
    # Twenty digits (the documented pattern) but beyond uint64: no such channel can exist.
    assert (await api.client.get(f"/v1/channels/{2**64}/recommendation")).status_code == 404
