"""Per-node figures read straight off the channels: counts, capacity, fees, disabled share, age."""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import median

from lnpilot.domain.graph import Graph


@dataclass(slots=True)
class _Tally:
    channels: int = 0
    capacity_sat: int = 0
    out_ppm: list[int] = field(default_factory=list)
    in_ppm: list[int] = field(default_factory=list)
    policies: int = 0
    disabled: int = 0
    age_sum_blocks: int = 0


@dataclass(frozen=True, slots=True)
class NodeFees:
    channel_count: int
    total_capacity_sat: int
    median_out_fee_ppm: float | None  # over the node's enabled policies; None: it has none
    median_in_fee_ppm: float | None  # over its peers' enabled policies toward it
    disabled_share: float | None  # of the policies it published; None: it published none
    mean_channel_age_blocks: float | None  # None: no channels


def node_fees(graph: Graph, keys: tuple[str, ...]) -> list[NodeFees]:
    """One row per key. Age counts from the newest channel's funding block in this snapshot."""
    tallies = {key: _Tally() for key in keys}
    newest = max((c.funding_block for c in graph.channels), default=0)
    for channel in graph.channels:
        age = newest - channel.funding_block
        ends = [(channel.node1, channel.node1_policy, channel.node2_policy)]
        if channel.node2 != channel.node1:
            ends.append((channel.node2, channel.node2_policy, channel.node1_policy))
        for node, own, peer in ends:
            tally = tallies[node]
            tally.channels += 1
            tally.capacity_sat += channel.capacity_sat
            tally.age_sum_blocks += age
            if own is not None:
                tally.policies += 1
                if own.disabled:
                    tally.disabled += 1
                else:
                    tally.out_ppm.append(own.fee_rate_ppm)
            if peer is not None and not peer.disabled:
                tally.in_ppm.append(peer.fee_rate_ppm)
    return [_row(tallies[key]) for key in keys]


def _row(tally: _Tally) -> NodeFees:
    return NodeFees(
        channel_count=tally.channels,
        total_capacity_sat=tally.capacity_sat,
        median_out_fee_ppm=float(median(tally.out_ppm)) if tally.out_ppm else None,
        median_in_fee_ppm=float(median(tally.in_ppm)) if tally.in_ppm else None,
        disabled_share=tally.disabled / tally.policies if tally.policies else None,
        mean_channel_age_blocks=tally.age_sum_blocks / tally.channels if tally.channels else None,
    )
