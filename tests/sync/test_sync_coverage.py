"""What the backend cannot give is remembered as such: the P&L says "not measured", not "no sync yet"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lnpilot.backends.base import Capability
from lnpilot.backends.factory import make_backend
from lnpilot.simnet.testing import SimnetHandle
from lnpilot.store import Store
from lnpilot.store.records import Coverage
from lnpilot.sync import SyncJob
from tests.sync.simnet_client import simnet_settings
from tests.views.test_sources_equal import CountingBackend

# What LNbits' node API lacks of the ledger's sources (backends/lnbits.py, LNBITS_CAPABILITIES)
_LNBITS_LACKS = {Capability.FORWARDING_HISTORY, Capability.CHAIN_TRANSACTIONS, Capability.PAYMENT_HISTORY}


class WithoutLedger(CountingBackend):
    @property
    def capabilities(self) -> Any:
        return self._inner.capabilities - _LNBITS_LACKS


async def test_a_backend_without_chain_and_payments_leaves_them_not_measured(
    simnet: SimnetHandle, tmp_path: Path
) -> None:
    settings = simnet_settings(simnet, tmp_path / "data")
    store = await Store.open_url(f"sqlite+aiosqlite:///{tmp_path / 'coverage.db'}")
    backend = make_backend(settings)
    now = simnet.sim.now_s
    try:
        async with store.unit_of_work() as uow:
            assert await uow.sync_state.coverage("chain") is Coverage.NOT_SYNCED
            assert await uow.sync_state.coverage("payments") is Coverage.NOT_SYNCED
        report = await SyncJob(WithoutLedger(backend), store, settings.sync).run(now)  # type: ignore[arg-type]
        assert set(report.skipped) >= {"forwards", "chain", "payments"}
        async with store.unit_of_work() as uow:
            assert await uow.sync_state.coverage("chain") is Coverage.NOT_MEASURED
            assert await uow.sync_state.coverage("payments") is Coverage.NOT_MEASURED
            assert not await uow.sync_state.forwards_measured()
        # the same node behind a backend that can read them: measured from that sync on
        await SyncJob(backend, store, settings.sync).run(now + 60)
        async with store.unit_of_work() as uow:
            assert await uow.sync_state.coverage("chain") is Coverage.MEASURED
            assert await uow.sync_state.coverage("payments") is Coverage.MEASURED
            assert await uow.sync_state.forwards_measured()
    finally:
        await backend.aclose()
        await store.close()
