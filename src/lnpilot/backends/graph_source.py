"""The public graph from a configured snapshot (a file or a URL), for backends that cannot describe it.

LNbits' node API gives our channels and fees but not the public graph, so an LNbits user points
lnpilot at a snapshot the way they would feed any other tool: an LND ``describegraph`` or a Core
Lightning ``listchannels`` document (plain, gzip or xz), on disk or at an HTTP(S) URL (a mempool
mirror, their own LND's ``lncli describegraph > file`` in cron, ...). It is re-read when it is older
than the refresh interval; a failed refresh keeps the last good snapshot and says so in the log.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

from lnpilot.backends.base import BackendNotFound, BackendUnavailable
from lnpilot.domain.graph import Graph, GraphChannel, GraphNode, RoutingPolicy
from lnpilot.errors import ConfigError, LnpilotError
from lnpilot.logs import get_logger

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Snapshot:
    raw: bytes
    graph: Graph
    loaded_at: float  # wall seconds of the load (for the refresh schedule)
    edges: Mapping[int, GraphChannel]


class GraphSource:
    """A describegraph/listchannels snapshot from ``location`` (a path, or an ``http(s)://`` URL)."""

    def __init__(
        self,
        location: str,
        *,
        refresh_s: float = 3600.0,
        clock: Callable[[], float] = time.time,
        timeout_s: float = 60.0,
    ) -> None:
        if not location:
            raise ConfigError("graph source: empty location")
        self.location = location
        self.refresh_s = refresh_s
        self._clock = clock
        self._timeout_s = timeout_s
        self._snapshot: Snapshot | None = None

    def __repr__(self) -> str:
        return f"GraphSource({self.location!r})"

    @property
    def is_url(self) -> bool:
        return self.location.startswith(("http://", "https://"))

    async def _fetch(self) -> bytes:
        if not self.is_url:
            try:
                return Path(self.location).read_bytes()
            except OSError as exc:
                raise ConfigError(
                    f"graph source: cannot read {self.location} ({exc.strerror or exc})"
                ) from None
        try:
            async with httpx.AsyncClient(timeout=self._timeout_s, follow_redirects=True) as client:
                response = await client.get(self.location)
        except httpx.HTTPError as exc:
            raise BackendUnavailable(
                f"graph source {self.location}: fetch failed ({exc.__class__.__name__})"
            ) from None
        if not response.is_success:
            raise BackendUnavailable(f"graph source {self.location}: HTTP {response.status_code}")
        return response.content

    async def snapshot(self) -> Snapshot:
        """The current snapshot, re-read when older than ``refresh_s``."""
        now = self._clock()
        current = self._snapshot
        if current is not None and now - current.loaded_at < self.refresh_s:
            return current
        from lnpilot.graph.ingest import parse_graph_bytes

        try:
            raw = await self._fetch()
            graph = parse_graph_bytes(raw, int(now)).graph
        except LnpilotError as exc:
            if current is None:
                raise
            # A stale snapshot is still the best view of the public graph we have: keep it.
            log.warning("graph_source_refresh_failed", source=self.location, reason=str(exc))
            return current
        self._snapshot = Snapshot(raw, graph, now, {c.chan_id: c for c in graph.channels})
        log.info("graph_source_loaded", source=self.location, nodes=len(graph.nodes))
        return self._snapshot

    async def raw(self) -> bytes:
        return (await self.snapshot()).raw

    async def node(self, pub_key: str) -> GraphNode:
        graph = (await self.snapshot()).graph
        found = graph.nodes.get(pub_key)
        if found is None:
            raise BackendNotFound(f"graph source {self.location} lists no node {pub_key}")
        return found

    async def edge(self, chan_id: int) -> GraphChannel:
        found = (await self.snapshot()).edges.get(chan_id)
        if found is not None:
            return found
        raise BackendNotFound(f"graph source {self.location} lists no channel {chan_id}")

    async def policy_of(self, chan_id: int, pub_key: str) -> RoutingPolicy | None:
        """``pub_key``'s policy on ``chan_id`` as the snapshot has it; None when not listed."""
        try:
            edge = await self.edge(chan_id)
        except BackendNotFound:
            return None
        if pub_key not in (edge.node1, edge.node2):
            return None
        return edge.policy_of(pub_key)
