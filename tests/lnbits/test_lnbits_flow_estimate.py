"""Per-channel flow through LNbits, estimated from stored balance snapshots, against simnet's truth.

LNbits gives no per-channel forwards. Syncs through the real LNbits store a balance snapshot each;
between them simnet routes real traffic through our node. With nothing but forwards moving the
balances, the estimate's net flow per channel equals simnet's net flow (amounts in minus amounts
out of that channel's forwards) to the sat LND reports balances in; it is labelled an estimate in
``channels``, in the views and in ``decide``'s reasons, and never shown as measured forwards.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from pathlib import Path

import pytest

from lnpilot.backends.base import Capability
from lnpilot.backends.factory import make_backend
from lnpilot.domain.balance_flow import FLOW_SOURCE_ESTIMATE, FORWARDS_NOT_MEASURED
from lnpilot.settings import load_settings
from lnpilot.simnet.testing import SimnetHandle
from lnpilot.store import Store
from lnpilot.store.repos.sync_state import FORWARDS_UNAVAILABLE
from lnpilot.sync.job import SyncJob
from lnpilot.views import live_views, stored_views
from tests.lnbits.stack import Stack, configure, run_json

_HOUR = 3_600


def _balances_msat(simnet: SimnetHandle) -> dict[int, int]:
    with simnet.sim.lock:
        return {c.chan_id: c.local_msat for c in simnet.sim.channels}


def _traffic(simnet: SimnetHandle, seconds: int) -> dict[int, int]:
    """Advance simnet; its truth of net OUTflow per channel (msat) from the forwards it routed."""
    net: dict[int, int] = defaultdict(int)
    with simnet.sim.lock:
        first = len(simnet.sim.forwards)
        simnet.sim.advance(seconds)
        for forward in simnet.sim.forwards[first:]:
            net[forward.chan_id_out] += forward.amt_out_msat
            net[forward.chan_id_in] -= forward.amt_in_msat
    return dict(net)


async def _sync(at: int) -> None:
    settings = load_settings()
    backend = make_backend(settings)
    try:
        assert Capability.FORWARDING_HISTORY not in backend.capabilities
        store = await Store.open(settings)
        try:
            await SyncJob(backend, store, settings.sync).run(at, kinds=("channels", "fee_report", "forwards"))
        finally:
            await store.close()
    finally:
        await backend.aclose()


def test_estimated_flow_equals_simnets_net_flow_and_is_labelled_everywhere(
    stack: Stack, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(monkeypatch, stack, tmp_path)
    simnet = stack.simnet
    now = int(time.time())
    t0, t1, t2 = now - 3 * _HOUR, now - 2 * _HOUR, now - _HOUR

    asyncio.run(_sync(t0))
    start = _balances_msat(simnet)
    truth: dict[int, int] = defaultdict(int)
    for at in (t1, t2):
        for chan_id, msat in _traffic(simnet, 12 * _HOUR).items():
            truth[chan_id] += msat
        asyncio.run(_sync(at))
    end = _balances_msat(simnet)
    moved = [c for c, msat in truth.items() if msat]
    assert len(moved) >= 3, truth  # real traffic, or the comparison proves nothing
    # Nothing but forwards moved the balances: simnet's balances agree with its forwards.
    for chan_id, before in start.items():
        assert before - end[chan_id] == truth.get(chan_id, 0), chan_id

    async def views() -> tuple[object, object]:
        store = await Store.open(load_settings())
        backend = make_backend(load_settings())
        try:
            async with store.unit_of_work() as uow:
                assert await uow.sync_state.get(FORWARDS_UNAVAILABLE) is not None
            return await stored_views(store, now), await live_views(backend, now, history=store)
        finally:
            await backend.aclose()
            await store.close()

    stored, live = asyncio.run(views())
    for built in (stored, live):
        assert built.flow_source == FLOW_SOURCE_ESTIMATE  # type: ignore[attr-defined]
        for view in built.views:  # type: ignore[attr-defined]
            assert view.forwards == () and view.balance_flow is not None
            est = view.balance_flow.window(t0, now)
            assert est.known and est.intervals == 2 and (est.first_at, est.last_at) == (t0, t2)
            true_msat = truth.get(view.channel.chan_id, 0)
            # Equal to the sat: LND (and LNbits through it) reports balances in whole sat.
            assert abs(est.net_out_sat * 1000 - true_msat) < 1000, (view.channel.chan_id, est, true_msat)
            assert est.net_out_sat == start[view.channel.chan_id] // 1000 - end[view.channel.chan_id] // 1000
            # One snapshot in the window: absent, and says why.
            assert not view.balance_flow.window(t2 - 60, now).known

    channels = run_json(capsys, "channels")
    assert channels["flow_source"] == FLOW_SOURCE_ESTIMATE
    for row in channels["channels"]:
        flow = row["flow"]
        assert flow["flow_source"] == FLOW_SOURCE_ESTIMATE and "nets out" in flow["caveat"]
        assert abs(flow["net_out_sat"] * 1000 - truth.get(int(row["chan_id"]), 0)) < 1000

    for argv in (("decide", "--from", "store"), ("decide",), ("apply", "--from", "store")):
        decided = run_json(capsys, *argv)
        for decision in decided if isinstance(decided, list) else decided["decisions"]:
            text = " ".join(decision["reasons"])
            assert LABEL in text and FORWARDS_NOT_MEASURED in text, text

    # The API's channels carry the stored decisions (``apply`` above recorded them), label included.
    listed = asyncio.run(_api_channels())
    assert len(listed) == 8
    for channel in listed:
        assert LABEL in " ".join(channel["latest_decision"]["reasons"])


LABEL = "ESTIMATED from balance snapshots (not measured forwards)"


async def _api_channels() -> list[dict[str, object]]:
    import httpx

    from lnpilot.api.app import create_app
    from lnpilot.api.services import ApiServices

    settings = load_settings(api={"public_reads": True})
    services = await ApiServices.from_settings(settings)
    try:
        app = create_app(settings, services)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            response = await client.get("/v1/channels")
        assert response.status_code == 200, response.text
        return list(response.json())
    finally:
        await services.aclose()
