"""What the pages need from the stored public graph: aliases and each channel's two policies.

The raw snapshot is parsed once per snapshot id (in a thread) and kept until a newer snapshot
is stored, so a page render reads a dict, not a multi-megabyte JSON document.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from lnpilot.domain.graph import GraphChannel
from lnpilot.errors import LnpilotError
from lnpilot.store import Store


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
    from lnpilot.graph.ingest import parse_graph_bytes

    graph = parse_graph_bytes(raw, taken_at).graph
    return GraphInfo(
        snapshot_id,
        taken_at,
        {n.pub_key: n.alias for n in graph.nodes.values()},
        {c.chan_id: c for c in graph.channels},
    )


class GraphInfoCache:
    def __init__(self) -> None:
        self._info = EMPTY
        self._lock = asyncio.Lock()

    async def get(self, store: Store) -> GraphInfo:
        async with store.unit_of_work() as uow:
            record = await uow.graph.latest_snapshot()
        if record is None:
            return EMPTY
        if record.id == self._info.snapshot_id:
            return self._info
        async with self._lock:
            if record.id != self._info.snapshot_id:
                async with store.unit_of_work() as uow:
                    raw = await uow.graph.raw_graph(record.id)
                try:
                    info = (
                        await asyncio.to_thread(_parse, raw, record.id, record.taken_at)
                        if raw is not None
                        else GraphInfo(record.id, record.taken_at)
                    )
                except LnpilotError:
                    info = GraphInfo(record.id, record.taken_at)  # unreadable: no aliases, said so
                self._info = info
        return self._info
