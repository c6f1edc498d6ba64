"""GET /v1/pnl, /v1/ledger and /v1/suggestions/peers on a store with hand-made history."""

from __future__ import annotations

from lnpilot.domain.node import ChainTransaction, ForwardingEvent, LocalChannel
from tests.api.conftest import Api

_NS = 1_000_000_000
PEER = "02" + "c" * 64


async def _seed(api: Api) -> None:
    channel = LocalChannel(
        chan_id=5 << 40,
        channel_point="ab" * 32 + ":0",
        remote_pubkey=PEER,
        capacity_sat=2_000_000,
        local_balance_sat=1_000_000,
        remote_balance_sat=1_000_000,
        active=True,
        initiator=True,
    )
    async with api.services.store.unit_of_work() as uow:
        await uow.channels.record_open([channel], 100)
        await uow.forwards.add_many([ForwardingEvent(200 * _NS, 1, 5 << 40, 1_002_000, 1_000_000, 2_000)])
        await uow.chain.add_many([ChainTransaction("ab" * 32, -2_000_300, 300, 1, 150, "")])
        await uow.sync_state.set("chain", 160)


async def test_pnl_and_ledger_agree(api: Api) -> None:
    await _seed(api)
    pnl = (await api.client.get("/v1/pnl", params={"since": 0, "until": 1_000})).json()
    assert pnl["node"]["revenue_msat"] == 2_000 and pnl["node"]["onchain_cost_msat"] == 300_000
    assert pnl["node"]["net_msat"] == 2_000 - 300_000 and pnl["onchain_costs_known"] is True
    assert [p["key"] for p in pnl["peers"]] == [PEER]
    ledger = (await api.client.get("/v1/ledger", params={"since": 0, "until": 1_000})).json()
    assert ledger["totals_msat"]["profit"] == pnl["node"]["net_msat"]
    assert {e["category"] for e in ledger["events"]} == {"forward_fee", "onchain_fee", "channel_open"}
    fees = await api.client.get("/v1/ledger", params={"since": 0, "until": 1_000, "category": "onchain_fee"})
    assert [e["amount_msat"] for e in fees.json()["events"]] == [-300_000]


async def test_onchain_costs_unknown_before_a_chain_sync(api: Api) -> None:
    body = (await api.client.get("/v1/pnl", params={"since": 0, "until": 10})).json()
    assert body["onchain_costs_known"] is False and body["node"]["onchain_cost_msat"] is None


async def test_bad_windows_are_problems(api: Api) -> None:
    for params in ({"since": 10, "until": 10}, {"since": -1, "until": 5}, {"since": "x", "until": 5}, {}):
        response = await api.client.get("/v1/pnl", params=params)
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("application/problem+json")


async def test_suggestions_need_a_graph_and_a_valid_key(api: Api) -> None:
    missing = await api.client.get("/v1/suggestions/peers", params={"us": "02" + "a" * 64})
    assert missing.status_code == 404 and "lnpilot sync" in missing.json()["detail"]
    bad = await api.client.get("/v1/suggestions/peers", params={"us": "nope"})
    assert bad.status_code == 422
