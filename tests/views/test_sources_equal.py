"""Done-when (issue 18): the store source and the live source give equal views of one simnet state.

Sync stores the node's state; then both sources build views at the same instant, with nothing
changed in between. Every field of every view must be equal, and the fields that need the graph,
the metrics, the history or the chain height must really be filled (equal ``None``s prove nothing).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from lnpilot.backends.base import NodeBackend
from lnpilot.backends.factory import make_backend
from lnpilot.domain.channel_view import ChannelView
from lnpilot.simnet.testing import SimnetHandle
from lnpilot.store import Store
from lnpilot.sync import SyncJob
from lnpilot.views import live_views, stored_views
from tests.sync.simnet_client import advance, simnet_settings

DAY = 86_400


class CountingBackend:
    """Any backend, with every call counted by method name."""

    def __init__(self, inner: NodeBackend) -> None:
        self._inner = inner
        self.calls: Counter[str] = Counter()

    @property
    def capabilities(self) -> Any:
        return self._inner.capabilities

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._inner, name)
        if not callable(target):
            return target

        def counted(*args: Any, **kwargs: Any) -> Awaitable[Any]:
            self.calls[name] += 1
            result: Callable[..., Awaitable[Any]] = target
            return result(*args, **kwargs)

        return counted


async def test_store_and_live_views_are_equal_field_by_field(simnet: SimnetHandle, tmp_path: Path) -> None:
    settings = simnet_settings(simnet, tmp_path / "data")
    store = await Store.open_url(f"sqlite+aiosqlite:///{tmp_path / 'views.db'}")
    backend = make_backend(settings)
    try:
        assert await advance(simnet, 2 * DAY) > 0
        now = simnet.sim.now_s
        await SyncJob(backend, store, settings.sync).run(now)
        counting = CountingBackend(backend)
        live = await live_views(counting, now, history=store)  # type: ignore[arg-type]
        stored = await stored_views(store, now)
    finally:
        await backend.aclose()
        await store.close()

    # One read per kind: no per-channel policy reads when the graph has our edges.
    assert max(counting.calls.values()) == 1, counting.calls
    assert "get_policy" not in counting.calls

    assert stored.skipped == {}
    by_id = {v.channel.chan_id: v for v in stored.views}
    assert sorted(by_id) == sorted(v.channel.chan_id for v in live.views)
    assert len(by_id) == len(simnet.sim.channels)
    for view in live.views:
        other = by_id[view.channel.chan_id]
        for f in dataclasses.fields(ChannelView):
            assert getattr(view, f.name) == getattr(other, f.name), (view.channel.chan_id, f.name)
    assert live.context == stored.context and live.context is not None
    assert live.block_height == stored.block_height == simnet.sim.block_height

    views = live.views
    assert all(v.policy is not None and v.peer_policy is not None for v in views)
    assert all(v.peer_metrics is not None and v.network_median_fee_ppm is not None for v in views)
    assert all(v.reach_total_nodes is not None and v.snapshots and v.policy_changes for v in views)
    assert any(v.forwards for v in views)
    assert any(v.competitor_fee_ppm is not None for v in views)
    assert all(v.channel.local_chan_reserve_sat > 0 for v in views)  # kept by the store since 0002
