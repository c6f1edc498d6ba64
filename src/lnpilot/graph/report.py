"""What a load produced: the graph, and what was skipped on the way and why."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from lnpilot.domain.graph import Graph
from lnpilot.errors import InvalidInputError


class GraphFormatError(InvalidInputError):
    """The input is not a graph snapshot we can read (unknown format, corrupt, not JSON)."""

    code = "graph-format"


class SkipReason(StrEnum):
    """Why a record of an otherwise readable snapshot was left out of the graph."""

    SELF_LOOP = "self_loop"
    DUPLICATE_CHANNEL = "duplicate_channel"
    DUPLICATE_NODE = "duplicate_node"
    # a channel or policy naming a node the snapshot does not contain, or (listchannels) a
    # direction whose endpoints differ from the channel's first-seen pair
    UNKNOWN_NODE_POLICY = "unknown_node_policy"
    NEGATIVE_CAPACITY = "negative_capacity"
    MALFORMED_PUBKEY = "malformed_pubkey"
    MALFORMED_RECORD = "malformed_record"  # missing field, wrong type, out-of-range id


@dataclass(frozen=True, slots=True)
class LoadReport:
    format: str  # "lnd_describegraph" | "cln_listchannels" | "lnd_testdata"
    nodes: int
    channels: int
    skipped: Mapping[str, int] = field(default_factory=dict)

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    def as_dict(self) -> dict[str, object]:
        return {
            "format": self.format,
            "nodes": self.nodes,
            "channels": self.channels,
            "skipped": dict(sorted(self.skipped.items())),
            "skipped_total": self.skipped_total,
        }


@dataclass(frozen=True, slots=True)
class LoadResult:
    graph: Graph
    report: LoadReport


class SkipCounter:
    """Counts skipped records by reason while a parser runs."""

    __slots__ = ("counts",)

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def skip(self, reason: SkipReason) -> None:
        self.counts[reason.value] += 1
