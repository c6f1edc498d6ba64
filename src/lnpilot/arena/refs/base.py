"""What a reference strategy is, and the one way it changes a fee (through ``NodeBackend``)."""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from lnpilot.backends.base import NodeBackend, PolicyUpdateFailed
from lnpilot.domain.graph import Graph


class FeeStrategy(Protocol):
    """A client of our node that may change fees once per cycle; ``now_s`` is the node's clock."""

    name: str

    async def cycle(self, backend: NodeBackend, now_s: int) -> None: ...


async def apply_fee(
    backend: NodeBackend, channel_point: str, *, fee_rate_ppm: int, base_fee_msat: int | None = None
) -> bool:
    """Send the complete current policy with new fees when they differ; True when it changed.

    Like the tools themselves, a reference reads the live policy first and keeps every other
    field (LND zeroes omitted ones), and reads the result back.
    """
    current = await backend.get_policy(channel_point)
    base = current.base_fee_msat if base_fee_msat is None else max(0, base_fee_msat)
    rate = max(0, fee_rate_ppm)
    if current.fee_rate_ppm == rate and current.base_fee_msat == base:
        return False
    sent = replace(current, fee_rate_ppm=rate, base_fee_msat=base)
    result = await backend.update_channel_policy(channel_point, sent)
    if result.mismatches:
        raise PolicyUpdateFailed(f"{channel_point}: read-back differs from the update: {result.mismatches}")
    return True


def competitor_median(graph: Graph, peer: str, us: str) -> tuple[int, int] | None:
    """(base msat, ppm): the capacity-weighted medians of what other nodes charge to reach ``peer``.

    CLBOSS's PeerCompetitorFeeMonitor: every channel of the peer, in its incoming direction
    (the other end's policy), weighted by capacity. None when the peer has no such channel.
    """
    rows: list[tuple[int, int, int]] = []  # (capacity, base, ppm)
    for ch in graph.channels:
        if ch.node1 == peer:
            other, pol = ch.node2, ch.node2_policy
        elif ch.node2 == peer:
            other, pol = ch.node1, ch.node1_policy
        else:
            continue
        if other == us or pol is None or pol.disabled:
            continue
        rows.append((ch.capacity_sat, pol.base_fee_msat, pol.fee_rate_ppm))
    if not rows:
        return None
    return _weighted_median([(c, b) for c, b, _ in rows]), _weighted_median([(c, p) for c, _, p in rows])


def _weighted_median(pairs: list[tuple[int, int]]) -> int:
    """The value at which half of the total weight is reached (weights are capacities)."""
    ordered = sorted(pairs, key=lambda wv: wv[1])
    total = sum(w for w, _ in ordered)
    acc = 0
    for weight, value in ordered:
        acc += weight
        if 2 * acc >= total:
            return value
    return ordered[-1][1]
