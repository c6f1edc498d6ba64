"""Reading snapshots: real files in every format and compression, and bad input of every kind."""

from __future__ import annotations

import copy
import gzip
import json
import lzma
from pathlib import Path
from typing import Any

import pytest

from lnpilot.errors import InvalidInputError
from lnpilot.graph.ingest import GraphFormatError, detect_format, load_graph, parse_graph_bytes
from tests.conftest import shared_file
from tests.graph.graph_builders import key

SAMPLE = ("data", "graphs", "describegraph_sample200_2025-10-25.json.gz")


def lnd_policy(fee_rate: str = "100", disabled: bool = False) -> dict[str, Any]:
    return {
        "time_lock_delta": 80,
        "min_htlc": "1000",
        "fee_base_msat": "1000",
        "fee_rate_milli_msat": fee_rate,
        "disabled": disabled,
        "max_htlc_msat": "990000000",
        "last_update": 1700000000,
        "inbound_fee_base_msat": -100,
        "inbound_fee_rate_milli_msat": -5,
    }


def lnd_edge(chan_id: int, a: str, b: str, capacity: str = "1000000", **extra: Any) -> dict[str, Any]:
    edge = {
        "channel_id": str(chan_id),
        "chan_point": "ab" * 32 + ":1",
        "last_update": 1700000000,
        "node1_pub": a,
        "node2_pub": b,
        "capacity": capacity,
        "node1_policy": lnd_policy("100"),
        "node2_policy": None,
    }
    edge.update(extra)
    return edge


def lnd_doc() -> dict[str, Any]:
    nodes = [{"pub_key": key(i), "alias": f"n{i}", "addresses": [{"network": "tcp", "addr": "1.2.3.4:9735"}],
              "last_update": 17, "color": "#3399ff"} for i in range(3)]  # fmt: skip
    edges = [lnd_edge(700_000 << 40, key(0), key(1)), lnd_edge(700_001 << 40, key(1), key(2))]
    return {"nodes": nodes, "edges": edges}


def cln_entry(scid: str, source: str, destination: str, **extra: Any) -> dict[str, Any]:
    entry = {
        "source": source,
        "destination": destination,
        "short_channel_id": scid,
        "public": True,
        "satoshis": 500000,
        "amount_msat": "500000000msat",
        "active": True,
        "last_update": 1618000000,
        "base_fee_millisatoshi": 1000,
        "fee_per_millionth": 10,
        "delay": 40,
        "htlc_minimum_msat": "1000msat",
        "htlc_maximum_msat": "495000000msat",
    }
    entry.update(extra)
    return entry


def as_bytes(doc: object) -> bytes:
    return json.dumps(doc).encode()


def test_describegraph_sample_loads_with_policies_and_nodes() -> None:
    result = load_graph(shared_file(*SAMPLE))
    assert result.report.format == "lnd_describegraph"
    assert (result.report.nodes, result.report.channels) == (197, 1279)
    assert result.report.skipped_total == 0
    assert len(result.graph.nodes) == 197
    channel = result.graph.channels[0]
    assert channel.chan_id == 701672037111431169
    assert channel.node1_policy is not None and channel.node1_policy.fee_rate_ppm == 4000
    assert channel.node1_policy.max_htlc_msat == 198_000_000_000


def test_mainnet_listchannels_merges_directions() -> None:
    result = load_graph(shared_file("data", "graphs", "cln_listchannels_2021-04-16.json.gz"))
    assert result.report.format == "cln_listchannels"
    assert (result.report.nodes, result.report.channels) == (8827, 37454)
    both = sum(1 for c in result.graph.channels if c.node1_policy and c.node2_policy)
    assert both + sum(1 for c in result.graph.channels if not (c.node1_policy and c.node2_policy)) == 37454
    assert both == 66964 - 37454  # every direction entry was placed on its channel
    assert all(c.node1 < c.node2 for c in result.graph.channels)


def test_lnd_testdata_graph_is_read() -> None:
    result = load_graph(shared_file("data", "graphs", "lnd_testdata_basic_graph.json"))
    assert result.report.format == "lnd_testdata"
    assert (result.report.nodes, result.report.channels) == (7, 8)
    aliases = {node.alias for node in result.graph.nodes.values()}
    assert {"roasbeef", "songoku", "satoshi"} <= aliases
    channel = next(c for c in result.graph.channels if c.chan_id == 523452362)
    assert channel.node1 == "02e7b1aaac10977c38e9c61c74dc66840de211bcec3021603e7977bc5e28edabfd"
    # channel_flags 1: the record is node_2's direction
    assert channel.node2_policy is not None and channel.node2_policy.fee_rate_ppm == 1000


@pytest.mark.parametrize("compress", [lambda b: b, gzip.compress, lzma.compress])
def test_plain_gzip_and_xz_give_the_same_graph(tmp_path: Path, compress: Any) -> None:
    path = tmp_path / "graph.bin"  # the name says nothing: detection is by content
    path.write_bytes(compress(as_bytes(lnd_doc())))
    result = load_graph(path)
    assert (result.report.nodes, result.report.channels) == (3, 2)
    node = result.graph.nodes[key(0)]
    assert node.addresses == ("1.2.3.4:9735",) and node.alias == "n0"
    policy = result.graph.channels[0].node1_policy
    assert policy is not None
    assert (policy.inbound_base_fee_msat, policy.inbound_fee_rate_ppm) == (-100, -5)
    assert result.graph.channels[0].node2_policy is None


def test_cln_directions_merge_and_newer_amount_only_entries() -> None:
    a, b = sorted([key(5), key(3)])
    entries = [
        cln_entry("700000x1x0", b, a, active=False, fee_per_millionth=7),
        cln_entry("700000x1x0", a, b),
        cln_entry("700001x2x1", a, b, satoshis=None, amount_msat=250_000_000),
    ]
    result = parse_graph_bytes(as_bytes({"channels": entries}))
    first, second = result.graph.channels
    assert (first.node1, first.node2) == (a, b)
    assert first.node2_policy is not None and first.node2_policy.disabled
    assert first.node2_policy.fee_rate_ppm == 7
    assert first.node1_policy is not None and not first.node1_policy.disabled
    assert second.capacity_sat == 250_000 and second.node2_policy is None
    assert str(second.scid) == "700001x2x1"


def test_each_lnd_inconsistency_is_skipped_and_counted() -> None:
    doc = lnd_doc()
    doc["nodes"] += [
        {"pub_key": "02zz", "alias": "bad key"},
        copy.deepcopy(doc["nodes"][0]),  # duplicate node
        "not an object",
        {"pub_key": key(9), "alias": 5},  # wrong type
    ]
    doc["edges"] += [
        lnd_edge(1 << 40, key(0), key(0)),  # self loop
        lnd_edge(700_000 << 40, key(0), key(2)),  # duplicate chan_id
        lnd_edge(2 << 40, key(0), key(7)),  # node not in the snapshot
        lnd_edge(3 << 40, key(0), key(1), capacity="-5"),
        lnd_edge(4 << 40, key(0), "03" + "x" * 64),
        lnd_edge(5 << 40, key(0), key(1), capacity="lots"),
        lnd_edge(6 << 40, key(0), key(1), node2_policy={"fee_rate_milli_msat": True}),
        lnd_edge(-1, key(0), key(1)),
        "not an object",
    ]
    report = parse_graph_bytes(as_bytes(doc)).report
    assert (report.nodes, report.channels) == (3, 2)
    assert report.skipped == {
        "malformed_pubkey": 2,
        "duplicate_node": 1,
        "malformed_record": 6,
        "self_loop": 1,
        "duplicate_channel": 1,
        "unknown_node_policy": 1,
        "negative_capacity": 1,
    }
    assert report.as_dict()["skipped_total"] == 13


def test_each_cln_inconsistency_is_skipped_and_counted() -> None:
    a, b, c = key(1), key(2), key(3)
    entries = [
        cln_entry("700000x1x0", a, b),
        cln_entry("700000x1x0", a, b),  # same direction twice
        cln_entry("700000x1x0", a, c),  # a direction of a different node pair
        cln_entry("700001x1x0", a, a),
        cln_entry("700002x1x0", a, b, satoshis=-1),
        cln_entry("700003x1x0", "nope", b),
        cln_entry("not-a-scid", a, b),
        cln_entry("700004x1x0", a, b, active="yes"),
        7,
    ]
    report = parse_graph_bytes(as_bytes({"channels": entries})).report
    assert (report.nodes, report.channels) == (2, 1)
    assert report.skipped == {
        "duplicate_channel": 1,
        "unknown_node_policy": 1,
        "self_loop": 1,
        "negative_capacity": 1,
        "malformed_pubkey": 1,
        "malformed_record": 3,
    }


def test_testdata_inconsistencies_are_counted() -> None:
    doc = json.loads(shared_file("data", "graphs", "lnd_testdata_basic_graph.json").read_text())
    edges = doc["edges"]
    first = edges[0]
    ends = (first["node_1"], first["node_2"])
    stranger = next(n["pubkey"] for n in doc["nodes"] if n["pubkey"] not in ends)
    edges += [
        copy.deepcopy(first),
        dict(first, node_2=stranger),
        dict(first, channel_id=1, capacity=-3),
        dict(first, channel_id=2, node_2=first["node_1"]),
        dict(first, channel_id=3, expiry="x"),
        None,
    ]
    report = parse_graph_bytes(as_bytes(doc)).report
    assert report.skipped == {
        "duplicate_channel": 1,
        "unknown_node_policy": 1,
        "negative_capacity": 1,
        "self_loop": 1,
        "malformed_record": 2,
    }


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (gzip.compress(b'{"nodes": []}')[:12], "truncated"),
        (lzma.compress(b"{}")[:10], "truncated"),
        (b'{"nodes": [], "edges": ', "not valid JSON"),
        (b"\x89PNG\r\n\x1a\n\xff\xfe", "neither JSON"),
        (b"[1, 2]", "top level is list"),
        (b'{"hello": 1}', "top-level keys: hello"),
        (b'{"nodes": [{"x": 1}], "edges": []}', "unknown graph format"),
    ],
)
def test_unreadable_input_is_one_clear_error(data: bytes, message: str) -> None:
    with pytest.raises(GraphFormatError, match=message) as caught:
        parse_graph_bytes(data)
    assert "\n" not in str(caught.value)


def test_empty_describegraph_is_a_graph_without_nodes() -> None:
    assert detect_format({"nodes": [], "edges": []}) == "lnd_describegraph"
    assert parse_graph_bytes(b'{"nodes": [], "edges": []}').report.nodes == 0


def test_file_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="cannot read graph file"):
        load_graph(tmp_path / "missing.json")
    bad = tmp_path / "bad.json.gz"
    bad.write_bytes(gzip.compress(b"{}")[:-6])
    with pytest.raises(GraphFormatError, match=str(bad)):
        load_graph(bad)
