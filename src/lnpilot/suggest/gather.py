"""Peer suggestions from the store: the latest graph snapshot, its metrics and scores."""

from __future__ import annotations

import asyncio

from lnpilot.errors import NotFoundError
from lnpilot.store import Store
from lnpilot.suggest.peers import PeerSuggestion, suggest_peers


async def peer_suggestions(store: Store, *, us: str, profile: str, limit: int = 10) -> list[PeerSuggestion]:
    from lnpilot.graph.ingest import parse_graph_bytes

    async with store.unit_of_work() as uow:
        snapshot = await uow.graph.latest_snapshot()
        if snapshot is None:
            raise NotFoundError("no graph snapshot stored yet: run lnpilot sync first")
        raw = await uow.graph.raw_graph(snapshot.id)
        metrics = await uow.graph.metrics_of_snapshot(snapshot.id)
        channels = await uow.channels.all()
        scores = {s.subject: s for s in await uow.scores.ranking(profile=profile, limit=1_000_000)}
    if raw is None:
        raise NotFoundError("the latest graph snapshot kept no raw graph: run lnpilot sync --force-graph")
    graph = (await asyncio.to_thread(parse_graph_bytes, raw, snapshot.taken_at)).graph
    neighbours: dict[str, set[str]] = {}
    for ch in graph.channels:
        neighbours.setdefault(ch.node1, set()).add(ch.node2)
        neighbours.setdefault(ch.node2, set()).add(ch.node1)
    return suggest_peers(
        metrics,
        us=us,
        our_peers=frozenset(c.remote_pubkey for c in channels),
        neighbours={k: frozenset(v) for k, v in neighbours.items()},
        composite={k: s.composite for k, s in scores.items() if s.composite is not None},
        aliases={k: n.alias for k, n in graph.nodes.items()},
        limit=limit,
    )
