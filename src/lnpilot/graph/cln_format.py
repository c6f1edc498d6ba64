"""Core Lightning ``listchannels``: one entry per direction, merged here into one channel."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lnpilot.domain.graph import Graph, GraphChannel, GraphNode, RoutingPolicy
from lnpilot.domain.ids import ShortChannelId
from lnpilot.errors import InvalidInputError
from lnpilot.graph.fields import MalformedRecord, PubkeyCheck, field_bool, field_int
from lnpilot.graph.report import LoadReport, LoadResult, SkipCounter, SkipReason

LISTCHANNELS = "cln_listchannels"


def _capacity_sat(raw: Mapping[str, Any]) -> int:
    if raw.get("satoshis") is not None:
        return field_int(raw, "satoshis")
    # newer CLN reports only amount_msat
    return field_int(raw, "amount_msat") // 1000


def _scid(raw: Mapping[str, Any]) -> int:
    text = raw.get("short_channel_id")
    if not isinstance(text, str):
        raise MalformedRecord("short_channel_id missing")
    try:
        return ShortChannelId.parse(text).chan_id
    except InvalidInputError as exc:
        raise MalformedRecord(str(exc)) from exc


def _policy(raw: Mapping[str, Any]) -> RoutingPolicy:
    return RoutingPolicy(
        base_fee_msat=field_int(raw, "base_fee_millisatoshi"),
        fee_rate_ppm=field_int(raw, "fee_per_millionth"),
        time_lock_delta=field_int(raw, "delay", 0),
        min_htlc_msat=field_int(raw, "htlc_minimum_msat", 0),
        max_htlc_msat=field_int(raw, "htlc_maximum_msat", 0),
        disabled=not field_bool(raw, "active", True),
        last_update=field_int(raw, "last_update", 0),
    )


class _Pending:
    """A channel being assembled from its direction entries (built once both are seen)."""

    __slots__ = ("capacity_sat", "last_update", "node1", "node2", "policy1", "policy2")

    def __init__(self, node1: str, node2: str, capacity_sat: int) -> None:
        self.node1, self.node2, self.capacity_sat = node1, node2, capacity_sat
        self.policy1: RoutingPolicy | None = None
        self.policy2: RoutingPolicy | None = None
        self.last_update = 0


def parse_listchannels(doc: Mapping[str, Any], taken_at: int = 0) -> LoadResult:
    """``{"channels": [...]}``; node1 is the lexically smaller key, as in BOLT 7 and LND."""
    skips = SkipCounter()
    check = PubkeyCheck()
    pending: dict[int, _Pending] = {}
    for raw in doc["channels"]:
        if not isinstance(raw, Mapping):
            skips.skip(SkipReason.MALFORMED_RECORD)
            continue
        source, destination = raw.get("source"), raw.get("destination")
        if not (check(source) and check(destination)):
            skips.skip(SkipReason.MALFORMED_PUBKEY)
            continue
        assert isinstance(source, str) and isinstance(destination, str)
        if source == destination:
            skips.skip(SkipReason.SELF_LOOP)
            continue
        try:
            chan_id = _scid(raw)
            capacity_sat = _capacity_sat(raw)
            policy = _policy(raw)
        except MalformedRecord:
            skips.skip(SkipReason.MALFORMED_RECORD)
            continue
        if capacity_sat < 0:
            skips.skip(SkipReason.NEGATIVE_CAPACITY)
            continue
        known = pending.get(chan_id)
        if known is None:
            node1, node2 = (source, destination) if source < destination else (destination, source)
            known = pending[chan_id] = _Pending(node1, node2, capacity_sat)
        elif {known.node1, known.node2} != {source, destination}:
            skips.skip(SkipReason.UNKNOWN_NODE_POLICY)
            continue
        if source == known.node1 and known.policy1 is None:
            known.policy1 = policy
        elif source == known.node2 and known.policy2 is None:
            known.policy2 = policy
        else:
            skips.skip(SkipReason.DUPLICATE_CHANNEL)
            continue
        known.last_update = max(known.last_update, policy.last_update)
    channels = tuple(
        GraphChannel(
            chan_id, p.node1, p.node2, p.capacity_sat, p.policy1, p.policy2, last_update=p.last_update
        )
        for chan_id, p in pending.items()
    )
    nodes: dict[str, GraphNode] = {}
    for channel in channels:
        for pub_key in (channel.node1, channel.node2):
            if pub_key not in nodes:
                nodes[pub_key] = GraphNode(pub_key)
    graph = Graph(nodes=nodes, channels=channels, taken_at=taken_at)
    return LoadResult(graph, LoadReport(LISTCHANNELS, len(nodes), len(channels), dict(skips.counts)))
