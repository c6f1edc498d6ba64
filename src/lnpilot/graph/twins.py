"""Twin vertices of the core: one breadth-first search stands for a whole class.

Two vertices are twins when they have the same neighbours (type I, never adjacent) or the same
neighbours counting themselves (type II, adjacent). Swapping two twins is an automorphism that
fixes every other vertex, so for x outside the class every member's dependency on x, counting
targets outside the class, is the same; a twin is never inside a shortest path from another
member. One search from a representative, credited with the class's total weight and with the
class's own members taken out of the targets, replaces the searches of all members. Pairs
inside a class meet only in a type-I class (at distance 2, through each of the |N| common
neighbours), which ``pair_credit`` adds in closed form.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lnpilot.graph.topology import FloatArray, Int32Array, IntArray


@dataclass(frozen=True, slots=True)
class TwinPlan:
    twin_class: IntArray  # class id per vertex, -1 when the vertex has no twin
    sources: IntArray  # the vertices to search from: one per class, every vertex without a twin
    source_weight: FloatArray  # each source's weight (a class's total weight)
    pair_credit: FloatArray  # ordered pairs inside type-I classes, credited to the common neighbours


def plan_twins(indptr: IntArray, indices: Int32Array, weight: FloatArray) -> TwinPlan:
    n = len(indptr) - 1
    groups: dict[tuple[int, ...], list[int]] = {}
    for v in range(n):
        if indptr[v + 1] == indptr[v]:
            continue  # an isolated core vertex: nothing to search
        row = indices[indptr[v] : indptr[v + 1]].tolist()
        groups.setdefault((0, *row), []).append(v)  # open neighbourhood (rows are sorted)
        groups.setdefault((1, *sorted([*row, v])), []).append(v)  # closed neighbourhood
    twin_class = np.full(n, -1, dtype=np.int64)
    pair_credit = np.zeros(n)
    representative: list[int] = []
    class_weight: list[float] = []
    for signature, members in groups.items():
        if len(members) < 2:
            continue
        cls = len(representative)
        twin_class[members] = cls
        w = weight[members]
        representative.append(members[0])
        class_weight.append(float(w.sum()))
        if signature[0] == 0:
            common = np.asarray(signature[1:], dtype=np.int64)
            pair_credit[common] += (w.sum() ** 2 - (w**2).sum()) / len(common)
    alone = np.flatnonzero((twin_class < 0) & (np.diff(indptr) > 0))
    sources = np.concatenate([alone, np.asarray(representative, dtype=np.int64)])
    source_weight = np.concatenate([weight[alone], np.asarray(class_weight, dtype=np.float64)])
    return TwinPlan(twin_class, sources.astype(np.int64), source_weight, pair_credit)
