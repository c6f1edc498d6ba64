"""Issue 17 items 12-18: private data needs a key, failed auth is limited, bodies are bounded,
CORS reaches the fast path, unknown profiles are 422 everywhere, /ready is cached, one review per
reviewer per decision."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from lnpilot.api.app import create_app
from lnpilot.api.ratelimit import MemoryRateLimiter
from lnpilot.api.services import ApiServices
from lnpilot.metrics.registry import Metrics
from lnpilot.settings import load_settings
from lnpilot.store import Store
from lnpilot.store.cache import MemoryCache
from lnpilot.store.records import DecisionRecord
from lnpilot.store.score_cache import ScoreCache
from tests.api.conftest import NOW, make_api, node_score, pubkey

PRIVATE = ["/v1/channels", "/v1/decisions", "/v1/transactions", "/v1/decisions/agreement"]


@pytest.fixture
async def default_api(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, ApiServices]]:
    """The API exactly as shipped: default settings."""
    settings = load_settings(data_dir=tmp_path)
    store = await Store.open(settings)
    services = ApiServices(
        settings=settings,
        store=store,
        scores=ScoreCache(MemoryCache()),
        limiter=MemoryRateLimiter(settings.api.rate_limit_per_minute),
        metrics=Metrics(),
        clock=lambda: float(NOW),
    )
    await services.scores.save(store, [node_score(i, float(i)) for i in range(1, 4)])
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(settings, services)), base_url="http://t"
    )
    yield client, services
    await client.aclose()
    await services.aclose()


async def test_private_routes_need_a_key_by_default(
    default_api: tuple[httpx.AsyncClient, ApiServices],
) -> None:
    client, services = default_api
    for path in PRIVATE:
        response = await client.get(path)
        assert response.status_code == 401 and response.json()["type"].endswith("/unauthenticated"), path
        assert "needs an API key" in response.json()["detail"]
    assert (await client.get("/v1/rankings")).status_code == 200
    for _ in range(2):  # the second answer comes from the cached fast path: the same scope applies
        assert (await client.get(f"/v1/scores/nodes/{pubkey(2)}")).status_code == 200
    assert (await client.post("/v1/scores/batch", json={"pubkeys": [pubkey(1)]})).status_code == 200
    async with services.store.unit_of_work() as uow:
        _, key = await uow.api_keys.create("reader", "read", NOW)
    for path in PRIVATE:
        assert (await client.get(path, headers={"X-API-Key": key})).status_code == 200, path
    spec = (await client.get("/openapi.json")).json()["paths"]
    assert spec["/v1/channels"]["get"]["security"] == [{"bearer": []}, {"apiKey": []}]
    assert {} in spec["/v1/rankings"]["get"]["security"]  # the key is optional there
    assert "security" not in spec["/health"]["get"]
    pattern = spec["/v1/scores/nodes/{pubkey}"]["get"]["parameters"][0]["schema"]["pattern"]
    assert pattern == "^0[23][0-9a-f]{64}$"


async def test_failed_auth_is_counted_and_limited(tmp_path: Path) -> None:
    client, services = await make_api(tmp_path, public_reads=False, auth_failures=3, scores=2)
    try:
        async with services.store.unit_of_work() as uow:
            _, good = await uow.api_keys.create("reader", "read", NOW)
        statuses = [
            (await client.get("/v1/rankings", headers={"X-API-Key": f"lnp_guess{i}"})).status_code
            for i in range(6)
        ]
        assert statuses == [401, 401, 401, 429, 429, 429]  # three failures allowed a minute
        # Over the budget the address is refused before any key is looked up, a valid one included.
        blocked = await client.get("/v1/rankings", headers={"X-API-Key": good})
        assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) >= 1
        assert services.metrics.api_auth_failures._value.get() == 3  # counted until the block
    finally:
        await client.aclose()
        await services.aclose()


async def test_body_limit_413(tmp_path: Path) -> None:
    client, services = await make_api(tmp_path, max_body_bytes=4096)
    try:
        big = {"pubkeys": [pubkey(i) for i in range(200)]}  # ~14 KB
        declared = await client.post("/v1/scores/batch", json=big)
        assert declared.status_code == 413 and declared.json()["type"].endswith("/payload-too-large")
        assert declared.headers["content-type"] == "application/problem+json"

        async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it streams
            yield b'{"pubkeys": ["'
            for _ in range(100):
                yield b"0" * 100

        streamed = await client.post(
            "/v1/scores/batch", content=chunks(), headers={"Content-Type": "application/json"}
        )
        assert streamed.status_code == 413
        small = await client.post("/v1/scores/batch", json={"pubkeys": [pubkey(1)]})
        assert small.status_code == 200
    finally:
        await client.aclose()
        await services.aclose()


async def test_cors_on_the_cached_fast_path(tmp_path: Path) -> None:
    client, services = await make_api(tmp_path, cors_origins=["https://dash.example.com"], scores=3)
    try:
        origin = {"Origin": "https://dash.example.com"}
        first = await client.get(f"/v1/scores/nodes/{pubkey(2)}", headers=origin)  # fills the cache
        cached = await client.get(f"/v1/scores/nodes/{pubkey(2)}", headers=origin)  # the fast path
        assert first.status_code == cached.status_code == 200 and first.content == cached.content
        for response in (first, cached):
            assert response.headers["access-control-allow-origin"] == "https://dash.example.com"
        other = await client.get(f"/v1/scores/nodes/{pubkey(2)}", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers
    finally:
        await client.aclose()
        await services.aclose()


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", f"/v1/scores/nodes/{pubkey(2)}?profile=nope", None),
        ("GET", "/v1/rankings?profile=nope", None),
        ("POST", "/v1/scores/batch?profile=nope", {"pubkeys": [pubkey(1)]}),
        ("GET", "/v1/channels?profile=nope", None),
        ("GET", "/v1/channels/800000x12x1/recommendation?profile=nope", None),
        ("POST", "/v1/actions/apply", {"mode": "shadow", "profile": "nope"}),
    ],
)
async def test_unknown_profile_is_422_everywhere(
    tmp_path: Path, method: str, path: str, body: object
) -> None:
    client, services = await make_api(tmp_path, scores=3)
    try:
        async with services.store.unit_of_work() as uow:
            _, admin = await uow.api_keys.create("admin", "admin", NOW)
        response = await client.request(method, path, json=body, headers={"X-API-Key": admin})
        assert response.status_code == 422, response.text
        assert (
            response.json()["type"].endswith("/invalid-input")
            and "unknown profile" in response.json()["detail"]
        )
    finally:
        await client.aclose()
        await services.aclose()


class _CountingBackend:
    calls = 0

    async def get_info(self) -> object:
        type(self).calls += 1

        class Info:
            synced_to_chain = True

        return Info()

    async def aclose(self) -> None:
        return None


async def test_ready_is_cached(tmp_path: Path) -> None:
    client, services = await make_api(tmp_path, scores=1, ready_cache_seconds=60)
    services.backend_factory = _CountingBackend  # type: ignore[assignment]
    try:
        bodies = [(await client.get("/ready")).json() for _ in range(5)]
        assert _CountingBackend.calls == 1 and all(b == bodies[0] for b in bodies)
        assert bodies[0]["checks"]["backend"]["status"] == "ok"
        services.ready_cache = None  # expired
        await client.get("/ready")
        assert _CountingBackend.calls == 2
    finally:
        await client.aclose()
        await services.aclose()


async def test_one_review_per_reviewer_per_decision(tmp_path: Path) -> None:
    client, services = await make_api(tmp_path, scores=1)
    try:
        async with services.store.unit_of_work() as uow:
            _, alice = await uow.api_keys.create("alice", "admin", NOW)
            _, bob = await uow.api_keys.create("bob", "admin", NOW)
            decision_id = await uow.decisions.add(
                DecisionRecord(NOW, "increase_fees", "balanced", "shadow", False, 1, {}, [], 0.8)
            )
        url = f"/v1/decisions/{decision_id}/review"
        assert (await client.post(url, json={"agree": True}, headers={"X-API-Key": alice})).status_code == 201
        again = await client.post(url, json={"agree": False}, headers={"X-API-Key": alice})
        assert again.status_code == 409 and again.json()["type"].endswith("/conflict")
        assert (await client.post(url, json={"agree": False}, headers={"X-API-Key": bob})).status_code == 201
        agreement = (await client.get("/v1/decisions/agreement", headers={"X-API-Key": bob})).json()
        assert agreement["reviews"] == 2 and agreement["agreed"] == 1
    finally:
        await client.aclose()
        await services.aclose()
