"""LND's graph JSON: ``describegraph`` / ``GET /v1/graph``, and the test-data format of LND's repo."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lnpilot.domain.graph import Graph, GraphChannel, GraphNode, RoutingPolicy
from lnpilot.domain.ids import ShortChannelId
from lnpilot.errors import InvalidInputError
from lnpilot.graph.fields import MalformedRecord, PubkeyCheck, field_bool, field_int, field_str, with_policy
from lnpilot.graph.report import LoadReport, LoadResult, SkipCounter, SkipReason

DESCRIBEGRAPH = "lnd_describegraph"
TESTDATA = "lnd_testdata"


def _addresses(raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list):
        return ()
    out = []
    for item in raw:
        addr = item.get("addr") if isinstance(item, Mapping) else None
        if isinstance(addr, str):
            out.append(addr)
    return tuple(out)


def _chan_id(value: Any) -> int:
    chan_id = field_int({"v": value}, "v")
    try:
        ShortChannelId.from_chan_id(chan_id)
    except InvalidInputError as exc:
        raise MalformedRecord(str(exc)) from exc
    return chan_id


def _policy(raw: Any) -> RoutingPolicy | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise MalformedRecord("policy is not an object")
    return RoutingPolicy(
        base_fee_msat=field_int(raw, "fee_base_msat", 0),
        fee_rate_ppm=field_int(raw, "fee_rate_milli_msat", 0),
        time_lock_delta=field_int(raw, "time_lock_delta", 0),
        min_htlc_msat=field_int(raw, "min_htlc", 0),
        max_htlc_msat=field_int(raw, "max_htlc_msat", 0),
        disabled=field_bool(raw, "disabled", False),
        last_update=field_int(raw, "last_update", 0),
        inbound_base_fee_msat=field_int(raw, "inbound_fee_base_msat", 0),
        inbound_fee_rate_ppm=field_int(raw, "inbound_fee_rate_milli_msat", 0),
    )


def _read_nodes(
    raw_nodes: list[Any], key: str, check: PubkeyCheck, skips: SkipCounter
) -> dict[str, GraphNode]:
    nodes: dict[str, GraphNode] = {}
    for raw in raw_nodes:
        if not isinstance(raw, Mapping):
            skips.skip(SkipReason.MALFORMED_RECORD)
            continue
        pub_key = raw.get(key)
        if not check(pub_key):
            skips.skip(SkipReason.MALFORMED_PUBKEY)
            continue
        assert isinstance(pub_key, str)
        if pub_key in nodes:
            skips.skip(SkipReason.DUPLICATE_NODE)
            continue
        try:
            nodes[pub_key] = GraphNode(
                pub_key=pub_key,
                alias=field_str(raw, "alias", ""),
                addresses=_addresses(raw.get("addresses")),
                last_update=field_int(raw, "last_update", 0),
                color=field_str(raw, "color", ""),
            )
        except MalformedRecord:
            skips.skip(SkipReason.MALFORMED_RECORD)
    return nodes


def _endpoint_reason(
    node1: Any, node2: Any, nodes: Mapping[str, GraphNode], check: PubkeyCheck
) -> SkipReason | None:
    if not (check(node1) and check(node2)):
        return SkipReason.MALFORMED_PUBKEY
    if node1 == node2:
        return SkipReason.SELF_LOOP
    if node1 not in nodes or node2 not in nodes:
        return SkipReason.UNKNOWN_NODE_POLICY
    return None


def parse_describegraph(doc: Mapping[str, Any], taken_at: int = 0) -> LoadResult:
    """``{"nodes": [...], "edges": [...]}`` with snake_case fields and uint64 values as strings."""
    skips = SkipCounter()
    check = PubkeyCheck()
    nodes = _read_nodes(doc["nodes"], "pub_key", check, skips)
    channels: dict[int, GraphChannel] = {}
    for raw in doc["edges"]:
        if not isinstance(raw, Mapping):
            skips.skip(SkipReason.MALFORMED_RECORD)
            continue
        reason = _endpoint_reason(raw.get("node1_pub"), raw.get("node2_pub"), nodes, check)
        if reason is not None:
            skips.skip(reason)
            continue
        try:
            chan_id = _chan_id(raw.get("channel_id"))
            capacity_sat = field_int(raw, "capacity")
            channel = GraphChannel(
                chan_id=chan_id,
                node1=raw["node1_pub"],
                node2=raw["node2_pub"],
                capacity_sat=capacity_sat,
                node1_policy=_policy(raw.get("node1_policy")),
                node2_policy=_policy(raw.get("node2_policy")),
                channel_point=field_str(raw, "chan_point", ""),
                last_update=field_int(raw, "last_update", 0),
            )
        except MalformedRecord:
            skips.skip(SkipReason.MALFORMED_RECORD)
            continue
        if capacity_sat < 0:
            skips.skip(SkipReason.NEGATIVE_CAPACITY)
        elif chan_id in channels:
            skips.skip(SkipReason.DUPLICATE_CHANNEL)
        else:
            channels[chan_id] = channel
    graph = Graph(nodes=nodes, channels=tuple(channels.values()), taken_at=taken_at)
    report = LoadReport(DESCRIBEGRAPH, len(nodes), len(channels), dict(skips.counts))
    return LoadResult(graph, report)


def _testdata_policy(raw: Mapping[str, Any]) -> RoutingPolicy:
    # LND's testdata carries one edge per direction; ``fee_rate`` is in ppm, ``expiry`` the CLTV delta
    return RoutingPolicy(
        base_fee_msat=field_int(raw, "fee_base_msat", 0),
        fee_rate_ppm=field_int(raw, "fee_rate", 0),
        time_lock_delta=field_int(raw, "expiry", 0),
        min_htlc_msat=field_int(raw, "min_htlc", 0),
        max_htlc_msat=field_int(raw, "max_htlc", 0),
        disabled=bool(field_int(raw, "channel_flags", 0) & 2),
    )


def parse_testdata(doc: Mapping[str, Any]) -> LoadResult:
    """The JSON of LND's ``routing/testdata`` graphs: ``node_1``/``node_2``, one edge per direction."""
    skips = SkipCounter()
    check = PubkeyCheck()
    nodes = _read_nodes(doc["nodes"], "pubkey", check, skips)
    channels: dict[int, GraphChannel] = {}
    for raw in doc["edges"]:
        if not isinstance(raw, Mapping):
            skips.skip(SkipReason.MALFORMED_RECORD)
            continue
        node1, node2 = raw.get("node_1"), raw.get("node_2")
        reason = _endpoint_reason(node1, node2, nodes, check)
        if reason is not None:
            skips.skip(reason)
            continue
        assert isinstance(node1, str) and isinstance(node2, str)
        try:
            chan_id = _chan_id(raw.get("channel_id"))
            capacity_sat = field_int(raw, "capacity")
            policy = _testdata_policy(raw)
            from_node2 = bool(field_int(raw, "channel_flags", 0) & 1)
        except MalformedRecord:
            skips.skip(SkipReason.MALFORMED_RECORD)
            continue
        if capacity_sat < 0:
            skips.skip(SkipReason.NEGATIVE_CAPACITY)
            continue
        known = channels.get(chan_id)
        if known is None:
            known = GraphChannel(
                chan_id, node1, node2, capacity_sat, None, None, field_str(raw, "channel_point", "")
            )
        elif {known.node1, known.node2} != {node1, node2}:
            skips.skip(SkipReason.UNKNOWN_NODE_POLICY)
            continue
        # channel_flags bit 0 names the announcing end: 0 = node_1, 1 = node_2
        announcer = node2 if from_node2 else node1
        if known.policy_of(announcer) is not None:
            skips.skip(SkipReason.DUPLICATE_CHANNEL)
            continue
        channels[chan_id] = with_policy(known, announcer, policy)
    graph = Graph(nodes=nodes, channels=tuple(channels.values()))
    return LoadResult(graph, LoadReport(TESTDATA, len(nodes), len(channels), dict(skips.counts)))
