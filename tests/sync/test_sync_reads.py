"""Issue 17 item 24: sync reads the node once per kind, not the channel list once per channel."""

from __future__ import annotations

from pathlib import Path

from lnpilot.backends.factory import make_backend
from lnpilot.simnet.testing import SimnetHandle
from lnpilot.store import Store
from lnpilot.sync import SyncJob
from tests.sync.simnet_client import simnet_settings
from tests.views.test_sources_equal import CountingBackend


async def test_first_sync_reads_the_channel_list_once(simnet: SimnetHandle, tmp_path: Path) -> None:
    settings = simnet_settings(simnet, tmp_path / "data")
    store = await Store.open_url(f"sqlite+aiosqlite:///{tmp_path / 'reads.db'}")
    backend = make_backend(settings)
    counting = CountingBackend(backend)
    try:
        report = await SyncJob(counting, store, settings.sync).run(simnet.sim.now_s)  # type: ignore[arg-type]
        async with store.unit_of_work() as uow:
            stored = await uow.policies.current_all()
    finally:
        await backend.aclose()
        await store.close()
    channels = len(simnet.sim.channels)
    assert report.policy_changes == channels  # every channel's first policy was read ...
    assert len(stored) == channels and all(p.time_lock_delta > 0 for p in stored.values())
    assert counting.calls["list_channels"] == 1  # ... without listing the channels per channel
    assert counting.calls["get_policy"] == 0
    assert counting.calls["get_info"] <= 2 and counting.calls["get_edge"] == channels
