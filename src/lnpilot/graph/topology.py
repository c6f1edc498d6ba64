"""The graph as index arrays: the undirected simple graph (parallel channels collapsed) in CSR form.

Node order is ``graph.nodes`` order, then any channel endpoint the node map lacks, so every
metric has a row for every node a channel names.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from lnpilot.domain.graph import Graph

IntArray = npt.NDArray[np.int64]
Int32Array = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Topology:
    keys: tuple[str, ...]  # index -> pub_key
    index: dict[str, int]  # pub_key -> index
    indptr: IntArray  # CSR row pointers, length n + 1
    indices: Int32Array  # neighbours, each undirected edge stored in both rows, sorted per row

    @property
    def n(self) -> int:
        return len(self.keys)

    @property
    def degree(self) -> IntArray:
        return np.diff(self.indptr)


def node_index(graph: Graph) -> tuple[tuple[str, ...], dict[str, int]]:
    index = {key: i for i, key in enumerate(graph.nodes)}
    for channel in graph.channels:
        for key in (channel.node1, channel.node2):
            if key not in index:
                index[key] = len(index)
    return tuple(index), index


def csr_from_pairs(n: int, src: IntArray, dst: IntArray) -> tuple[IntArray, Int32Array]:
    """Symmetric CSR of the simple graph on the pairs (self-loops and repeats dropped)."""
    keep = src != dst
    lo = np.minimum(src[keep], dst[keep])
    hi = np.maximum(src[keep], dst[keep])
    codes = np.unique(lo * n + hi)
    lo, hi = codes // n, codes % n
    rows = np.concatenate([lo, hi])
    cols = np.concatenate([hi, lo])
    order = np.lexsort((cols, rows))
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return indptr, cols[order].astype(np.int32)


def build_topology(graph: Graph) -> Topology:
    keys, index = node_index(graph)
    src = np.fromiter((index[c.node1] for c in graph.channels), dtype=np.int64, count=len(graph.channels))
    dst = np.fromiter((index[c.node2] for c in graph.channels), dtype=np.int64, count=len(graph.channels))
    indptr, indices = csr_from_pairs(len(keys), src, dst)
    return Topology(keys, index, indptr, indices)
