"""The money routes end to end: the API in front of simnet over HTTPS, on simnet's clock."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from lnpilot.api.app import create_app
from lnpilot.api.ratelimit import MemoryRateLimiter
from lnpilot.api.services import ApiServices
from lnpilot.backends.factory import make_backend
from lnpilot.metrics.registry import Metrics
from lnpilot.settings import load_settings
from lnpilot.simnet.testing import SimnetHandle
from lnpilot.store import Store
from lnpilot.store.cache import MemoryCache
from lnpilot.store.score_cache import ScoreCache


def _policies(simnet: SimnetHandle) -> dict[str, dict[str, Any]]:
    channels: list[dict[str, Any]] = simnet.sim.truth()["channels"]  # type: ignore[assignment]
    return {c["channel_point"]: c["policy"] for c in channels}


async def test_apply_shadow_then_live_then_rollback(simnet: SimnetHandle, tmp_path: Path) -> None:
    settings = load_settings(
        backend="lnd",
        lnd_rest_url=simnet.url,
        lnd_tls_cert_path=simnet.tls_cert_path,
        lnd_macaroon_path=simnet.admin_macaroon_path,
        data_dir=tmp_path,
    )
    simnet.sim.advance(4 * 86_400)  # traffic to decide on
    store = await Store.open(settings)
    services = ApiServices(
        settings=settings,
        store=store,
        scores=ScoreCache(MemoryCache()),
        limiter=MemoryRateLimiter(1_000),
        metrics=Metrics(),
        backend_factory=lambda: make_backend(settings),
        clock=lambda: float(simnet.sim.now_s),  # simnet's clock, not the wall clock
    )
    async with store.unit_of_work() as uow:
        _, admin = await uow.api_keys.create("ops", "admin", 1)
    headers = {"X-API-Key": admin}
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(settings, services)),
        base_url="http://t",
        headers=headers,
    )
    try:
        before = _policies(simnet)
        updates_before = simnet.sim.policy_updates

        shadow = await client.post(
            "/v1/actions/apply", json={"mode": "shadow", "profile": "aggressive"}, headers=headers
        )
        assert shadow.status_code == 200, shadow.text
        body = shadow.json()
        assert body["mode"] == "shadow" and body["tx_id"] is None
        assert len(body["decisions"]) == len(before)
        assert simnet.sim.policy_updates == updates_before and _policies(simnet) == before
        logged = (await client.get("/v1/decisions", params={"limit": 1000})).json()
        assert len(logged) == len(before)  # one row per decision, no_action included
        assert {d["params"]["source"] for d in logged} == {"api"}
        assert len(body["decision_ids"]) == len(before)

        live = await client.post(
            "/v1/actions/apply", json={"mode": "live", "profile": "aggressive"}, headers=headers
        )
        assert live.status_code == 200, live.text
        result = live.json()
        applied = [r for r in result["results"] if r["status"] == "applied"]
        assert result["tx_id"] is not None and applied, result["results"]
        changed = {r["channel_point"] for r in applied}
        during = _policies(simnet)
        assert {cp for cp in before if during[cp] != before[cp]} == changed

        txs = (await client.get("/v1/transactions")).json()
        assert txs[0]["id"] == result["tx_id"] and txs[0]["mode"] == "live"
        undo = await client.post(f"/v1/transactions/{result['tx_id']}/rollback", headers=headers)
        assert undo.status_code == 200 and undo.json()["complete"] is True, undo.text
        assert _policies(simnet) == before  # every field of every touched policy, untouched ones too
        missing = await client.post("/v1/transactions/999999/rollback", headers=headers)
        assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"
    finally:
        await client.aclose()
        await services.aclose()
