"""Graph snapshots and the per-node metrics computed from each, with history."""

from __future__ import annotations

import gzip
from collections.abc import Iterable, Mapping
from dataclasses import asdict, fields
from typing import Any

from sqlalchemy import delete, select, update

from lnpilot.domain.metrics import NodeMetrics
from lnpilot.store.records import GraphSnapshotRecord
from lnpilot.store.repos.base import Repository
from lnpilot.store.tables import graph_snapshots, node_metrics

_METRIC_FIELDS = tuple(f.name for f in fields(NodeMetrics))


def _snapshot(row: Mapping[Any, Any]) -> GraphSnapshotRecord:
    return GraphSnapshotRecord(
        id=row["id"],
        taken_at=row["taken_at"],
        source=row["source"],
        node_count=row["node_count"],
        channel_count=row["channel_count"],
        total_capacity_sat=row["total_capacity_sat"],
    )


def _metrics(row: Mapping[Any, Any]) -> NodeMetrics:
    return NodeMetrics(**{name: row[name] for name in _METRIC_FIELDS})


class GraphRepository(Repository):
    async def add_snapshot(
        self,
        taken_at: int,
        source: str,
        node_count: int,
        channel_count: int,
        total_capacity_sat: int,
        raw: bytes | None = None,
    ) -> int:
        """Store a snapshot; with ``raw``, the raw graph of every older snapshot is dropped.

        A mainnet describegraph is ~15 MB gzipped and the graph is refreshed hourly: keeping one
        raw copy (enough to rebuild after a restart) bounds the table, metrics keep the history.
        """
        result = await self._conn.execute(
            graph_snapshots.insert().values(
                taken_at=taken_at,
                source=source,
                node_count=node_count,
                channel_count=channel_count,
                total_capacity_sat=total_capacity_sat,
                raw_gz=None if raw is None else gzip.compress(raw, compresslevel=6),
            )
        )
        snapshot_id = int(result.inserted_primary_key[0])  # type: ignore[index]
        if raw is not None:
            await self._conn.execute(
                update(graph_snapshots)
                .where(graph_snapshots.c.id != snapshot_id, graph_snapshots.c.raw_gz.is_not(None))
                .values(raw_gz=None)
            )
        return snapshot_id

    async def add_metrics(self, snapshot_id: int, computed_at: int, metrics: Iterable[NodeMetrics]) -> int:
        rows = [{**asdict(m), "snapshot_id": snapshot_id, "computed_at": computed_at} for m in metrics]
        if rows:
            await self._conn.execute(node_metrics.insert(), rows)
        return len(rows)

    async def latest_snapshot(self) -> GraphSnapshotRecord | None:
        query = select(graph_snapshots).order_by(
            graph_snapshots.c.taken_at.desc(), graph_snapshots.c.id.desc()
        )
        row = (await self._conn.execute(query.limit(1))).mappings().first()
        return None if row is None else _snapshot(row)

    async def raw_graph(self, snapshot_id: int) -> bytes | None:
        query = select(graph_snapshots.c.raw_gz).where(graph_snapshots.c.id == snapshot_id)
        blob = (await self._conn.execute(query)).scalar_one_or_none()
        return None if blob is None else gzip.decompress(blob)

    async def metrics_of_snapshot(self, snapshot_id: int) -> list[NodeMetrics]:
        query = (
            select(node_metrics)
            .where(node_metrics.c.snapshot_id == snapshot_id)
            .order_by(node_metrics.c.pub_key)
        )
        return [_metrics(r) for r in (await self._conn.execute(query)).mappings()]

    async def latest_metrics(self, pub_key: str) -> NodeMetrics | None:
        history = await self.metrics_history(pub_key, limit=1)
        return history[0][1] if history else None

    async def metrics_history(self, pub_key: str, limit: int = 100) -> list[tuple[int, NodeMetrics]]:
        """(computed_at, metrics) of one node, newest first."""
        query = (
            select(node_metrics)
            .where(node_metrics.c.pub_key == pub_key)
            .order_by(node_metrics.c.computed_at.desc(), node_metrics.c.id.desc())
            .limit(limit)
        )
        return [(r["computed_at"], _metrics(r)) for r in (await self._conn.execute(query)).mappings()]

    async def prune(self, before: int) -> int:
        """Drop snapshots taken before ``before`` (their metrics go with them), keeping the newest."""
        latest = await self.latest_snapshot()
        query = delete(graph_snapshots).where(graph_snapshots.c.taken_at < before)
        if latest is not None:
            query = query.where(graph_snapshots.c.id != latest.id)
        # Delete metrics explicitly: SQLite only cascades with foreign keys on, which a foreign
        # connection may not have set.
        doomed = select(graph_snapshots.c.id).where(graph_snapshots.c.taken_at < before)
        if latest is not None:
            doomed = doomed.where(graph_snapshots.c.id != latest.id)
        await self._conn.execute(delete(node_metrics).where(node_metrics.c.snapshot_id.in_(doomed)))
        result = await self._conn.execute(query)
        return max(result.rowcount, 0)
