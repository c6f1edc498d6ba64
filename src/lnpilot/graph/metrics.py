"""Per-node metrics of a graph snapshot, as columns or as ``NodeMetrics`` records.

Every metric is exact; see docs/graph.md for definitions and measured speed.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import fields

import numpy as np

from lnpilot.domain.graph import Graph
from lnpilot.domain.metrics import NodeMetrics
from lnpilot.errors import InvalidInputError
from lnpilot.graph.brandes import betweenness_raw
from lnpilot.graph.centrality import harmonic_closeness, pagerank
from lnpilot.graph.node_fees import NodeFees, node_fees
from lnpilot.graph.routing import routing_betweenness
from lnpilot.graph.topology import FloatArray, Topology, build_topology

MetricValue = float | int | None
METRIC_NAMES: tuple[str, ...] = tuple(f.name for f in fields(NodeMetrics) if f.name != "pub_key")
_FEE_FIELDS = frozenset(f.name for f in fields(NodeFees))


class UnknownMetricError(InvalidInputError):
    code = "unknown-metric"


def parse_metric_names(names: Collection[str] | None) -> tuple[str, ...]:
    """Requested names in request order (all when None); an unknown name is one clear error."""
    if names is None:
        return METRIC_NAMES
    wanted = tuple(dict.fromkeys(name.strip() for name in names if name.strip()))
    unknown = [name for name in wanted if name not in METRIC_NAMES]
    if unknown:
        raise UnknownMetricError(f"unknown metric {', '.join(unknown)}; known: {', '.join(METRIC_NAMES)}")
    if not wanted:
        raise UnknownMetricError("no metric named")
    return wanted


def _pair_scale(n: int, ordered: bool) -> float:
    """1 / number of (ordered or unordered) pairs not containing the node; 0 when there are none."""
    pairs = (n - 1) * (n - 2) if ordered else (n - 1) * (n - 2) / 2
    return 1.0 / pairs if pairs > 0 else 0.0


def metric_columns(
    graph: Graph,
    names: Collection[str] | None = None,
    topology: Topology | None = None,
    progress: Callable[[str], None] | None = None,
) -> tuple[tuple[str, ...], dict[str, list[MetricValue]]]:
    """(pub_keys, {metric: values in key order}) computing only what ``names`` asks for.

    ``progress`` is called with each metric's name before it is computed.
    """
    wanted = parse_metric_names(names)
    topo = topology or build_topology(graph)
    n = topo.n
    arrays: dict[str, Callable[[], FloatArray]] = {
        "betweenness": lambda: betweenness_raw(topo.indptr, topo.indices),
        "routing_betweenness": lambda: routing_betweenness(graph, topo.index),
        "closeness": lambda: harmonic_closeness(topo.indptr, topo.indices),
        "pagerank": lambda: pagerank(topo.indptr, topo.indices),
    }
    cache: dict[str, FloatArray] = {}

    def array(name: str) -> FloatArray:
        if name not in cache:
            cache[name] = arrays[name]()
        return cache[name]

    columns: dict[str, list[MetricValue]] = {}
    fee_rows = node_fees(graph, topo.keys) if _FEE_FIELDS.intersection(wanted) else []
    for name in wanted:
        if progress is not None:
            progress(name)
        if name == "degree":
            columns[name] = [int(d) for d in topo.degree]
        elif name in _FEE_FIELDS:
            columns[name] = [getattr(row, name) for row in fee_rows]
        elif name.endswith("_norm"):
            base = name.removesuffix("_norm")
            scale = _pair_scale(n, ordered=base == "routing_betweenness")
            columns[name] = (array(base) * scale).tolist()
        else:
            columns[name] = array(name).tolist()
    return topo.keys, columns


def compute_metrics(graph: Graph, metrics: Collection[str] | None = None) -> dict[str, NodeMetrics]:
    """Every node's full ``NodeMetrics``.

    ``metrics`` is checked (an unknown name raises ``UnknownMetricError``), but a ``NodeMetrics``
    is a complete record, so every field is computed; use ``metric_columns`` for a subset.
    """
    parse_metric_names(metrics)
    keys, columns = metric_columns(graph)
    return {
        key: NodeMetrics(pub_key=key, **{name: columns[name][i] for name in METRIC_NAMES})  # type: ignore[arg-type]
        for i, key in enumerate(keys)
    }


def betweenness(graph: Graph) -> dict[str, float]:
    """Exact raw betweenness (networkx ``normalized=False``) per pub_key."""
    topo = build_topology(graph)
    values = betweenness_raw(topo.indptr, topo.indices)
    return dict(zip(topo.keys, np.asarray(values, dtype=np.float64).tolist(), strict=True))
