"""What the pages need from the stored public graph: aliases and each channel's two policies.

The raw snapshot is parsed once per snapshot id (in a thread, in the background once a first one
is loaded) and kept until a newer snapshot is parsed, so a page render reads a dict, never a
multi-megabyte JSON document.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from lnpilot.domain.graph import GraphChannel
from lnpilot.errors import LnpilotError
from lnpilot.graph.ingest import parse_graph_bytes
from lnpilot.store import Store
from lnpilot.web.refresh import Got, Refreshing


@dataclass(frozen=True, slots=True)
class GraphInfo:
    snapshot_id: int | None
    taken_at: int | None
    aliases: dict[str, str] = field(default_factory=dict)
    channels: dict[int, GraphChannel] = field(default_factory=dict)

    def alias(self, pub_key: str) -> str:
        return self.aliases.get(pub_key, "")

    def search(self, query: str, limit: int = 50) -> list[tuple[str, str]]:
        """(pub_key, alias) of nodes whose alias contains ``query`` or whose key starts with it."""
        q = query.strip().lower()
        if not q:
            return []
        hits = [(k, a) for k, a in self.aliases.items() if k.startswith(q) or q in a.lower()]
        hits.sort(key=lambda h: (not h[0].startswith(q), h[1].lower(), h[0]))
        return hits[:limit]


EMPTY = GraphInfo(None, None)


def _parse(raw: bytes, snapshot_id: int, taken_at: int) -> GraphInfo:
    graph = parse_graph_bytes(raw, taken_at).graph
    return GraphInfo(
        snapshot_id,
        taken_at,
        {n.pub_key: n.alias for n in graph.nodes.values()},
        {c.chan_id: c for c in graph.channels},
    )


class GraphInfoCache:
    """The latest snapshot's GraphInfo. A newer snapshot is parsed in the background while pages
    keep the previous one (``current`` False); only the first parse of a process is waited on,
    and the server's warm-up does that one before the first page is asked for."""

    def __init__(self) -> None:
        self._cache: Refreshing[GraphInfo] = Refreshing("graph")

    @property
    def derived_for(self) -> object:
        """The snapshot id of the GraphInfo held (None before the first derivation)."""
        return self._cache.key

    async def get(self, store: Store) -> GraphInfo:
        return (await self.got(store)).value

    async def got(self, store: Store) -> Got[GraphInfo]:
        async with store.unit_of_work() as uow:
            record = await uow.graph.latest_snapshot()
        if record is None:
            return Got(EMPTY, True)
        return await self._cache.get(record.id, lambda: _load(store, record.id, record.taken_at))

    async def aclose(self) -> None:
        await self._cache.aclose()


async def _load(store: Store, snapshot_id: int, taken_at: int) -> GraphInfo:
    async with store.unit_of_work() as uow:
        raw = await uow.graph.raw_graph(snapshot_id)
    if raw is None:
        return GraphInfo(snapshot_id, taken_at)
    try:
        return await asyncio.to_thread(_parse, raw, snapshot_id, taken_at)
    except LnpilotError:
        return GraphInfo(snapshot_id, taken_at)  # unreadable: no aliases, said so
