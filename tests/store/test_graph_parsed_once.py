"""Issue 17 item 24: the daemon re-read and re-parsed the stored graph every cycle (5-8 s a cycle
on the 2021 graph). Now it is parsed once per snapshot and store: asking again returns the same
parsed graph until a newer snapshot is stored."""

from __future__ import annotations

from pathlib import Path

import pytest

from lnpilot.store import Store
from lnpilot.views.store_source import stored_graph

pytest.importorskip("lnpilot.graph.metrics", reason="graph metrics not available")


async def test_the_stored_graph_is_parsed_once_per_snapshot(tmp_path: Path) -> None:
    from tests.scoring.test_channels_cli import _describegraph, _graph

    graph = _graph()
    store = await Store.open_url(f"sqlite+aiosqlite:///{tmp_path / 'g.db'}")
    try:

        async def add_snapshot(at: int) -> int:
            async with store.unit_of_work() as uow:
                return await uow.graph.add_snapshot(
                    at, "test", len(graph.nodes), len(graph.channels), graph.total_capacity_sat,
                    raw=_describegraph(graph),
                )  # fmt: skip

        first_id = await add_snapshot(1_000)
        first = await stored_graph(store)
        assert first is not None and first.graph is not None and first.snapshot_id == first_id
        assert len(first.graph.channels) == len(graph.channels)
        assert await stored_graph(store) is first  # every later cycle: no read, no parse
        second_id = await add_snapshot(2_000)
        second = await stored_graph(store)
        assert second is not None and second is not first and second.snapshot_id == second_id
        assert await stored_graph(store) is second
    finally:
        await store.close()
