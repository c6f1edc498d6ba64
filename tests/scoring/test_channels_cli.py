"""``lnpilot channels`` on a real SQLite store filled through the repositories."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from lnpilot.cli.main import main
from lnpilot.domain.channel_view import PolicyChange
from lnpilot.domain.graph import Graph, GraphChannel, GraphNode
from lnpilot.domain.node import ForwardingEvent, LocalChannel
from lnpilot.domain.scores import HEURISTICS
from lnpilot.settings import load_settings
from lnpilot.store import Store
from tests.scoring.scoring_builders import policy, pubkey

graph_metrics = pytest.importorskip("lnpilot.graph.metrics", reason="graph metrics not available")

US, B, C, D, E = (pubkey(i) for i in range(1, 6))
HEIGHT = 800_000


def _cid(block: int, tx: int = 1) -> int:
    return (block << 40) | (tx << 16)


OUR_B, OUR_C, UNSEEN = _cid(HEIGHT - 5000), _cid(HEIGHT - 100), _cid(HEIGHT - 50, 9)


def _graph() -> Graph:
    nodes = {k: GraphNode(k, alias=f"n{i}") for i, k in enumerate((US, B, C, D, E))}
    chans = (
        GraphChannel(OUR_B, US, B, 2_000_000, policy(100), policy(20)),
        GraphChannel(OUR_C, US, C, 1_000_000, policy(100), policy(30)),
        GraphChannel(_cid(HEIGHT - 3000), B, C, 5_000_000, policy(10), policy(15)),
        GraphChannel(_cid(HEIGHT - 2000), C, D, 1_000_000, policy(5), policy(5)),
        GraphChannel(_cid(HEIGHT - 1000), B, E, 3_000_000, policy(50), policy(300)),
        GraphChannel(_cid(HEIGHT), D, E, 1_000_000, policy(1), policy(1)),
    )
    return Graph(nodes, chans)


def _describegraph(graph: Graph) -> bytes:
    from lnpilot.simnet import wire

    doc = {
        "nodes": [wire.node(n) for n in graph.nodes.values()],
        "edges": [wire.edge(c) for c in graph.channels],
    }
    return json.dumps(doc).encode()


def _local(chan_id: int, peer: str, local: int, remote: int) -> LocalChannel:
    return LocalChannel(
        chan_id, f"{chan_id:064x}:0", peer, local + remote, local, remote, True, uptime_s=95, lifetime_s=100
    )


async def _fill(now: int, with_graph: bool) -> None:
    store = await Store.open(load_settings())
    try:
        async with store.unit_of_work() as uow:
            channels = [_local(OUR_B, B, 900_000, 1_100_000), _local(OUR_C, C, 950_000, 50_000)]
            await uow.channels.record_open([*channels, _local(UNSEEN, D, 1, 1)], now - 86_400)
            await uow.channels.add_snapshots(channels, now - 7200)
            await uow.channels.add_snapshots(channels, now - 3600)
            for chan in channels:
                await uow.policies.add(chan.chan_id, PolicyChange(now - 86_400, None, policy(100), "initial"))
            await uow.forwards.add_many(
                [
                    ForwardingEvent(
                        (now - d * 86_400) * 10**9, OUR_C, OUR_B, 200_000_000, 199_980_000, 20_000
                    )
                    for d in (1, 2, 3, 10)
                ]
            )
            if with_graph:
                graph = _graph()
                snap_id = await uow.graph.add_snapshot(
                    now - 600, "test", len(graph.nodes), len(graph.channels), graph.total_capacity_sat,
                    raw=_describegraph(graph),
                )  # fmt: skip
                await uow.graph.add_metrics(snap_id, now - 600, graph_metrics.compute_metrics(graph).values())
    finally:
        await store.close()


def _run_json(capsys: pytest.CaptureFixture[str], *extra: str) -> dict:
    assert main(["channels", "--json", *extra]) == 0
    return json.loads(capsys.readouterr().out)


def test_channels_json_with_graph(capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(_fill(int(time.time()), with_graph=True))
    out = _run_json(capsys)
    assert out["profile"] == "balanced"
    assert out["block_height"] == HEIGHT and "lower bound" in out["block_height_source"]
    assert list(out["skipped"]) == [str(UNSEEN)]
    rows = {r["chan_id"]: r for r in out["channels"]}
    assert set(rows) == {str(OUR_B), str(OUR_C)}
    to_b = rows[str(OUR_B)]
    assert to_b["coverage"] == pytest.approx(1.0)
    assert set(to_b["heuristics"]) == set(HEURISTICS)
    assert all(h["score"] is not None for h in to_b["heuristics"].values())
    # Competitors toward B: C charges 15 ppm on 5M sat, E charges 300 ppm on 3M -> 15.
    comp = to_b["heuristics"]["competitiveness"]["components"]
    assert comp["competitor_fee_ppm"] == 15.0 and comp["competitor_channels"] == 2.0
    # B stays reachable through C, so within 3 hops closing loses nothing; 4 nodes in reach.
    assert to_b["heuristics"]["network_position"]["components"]["reach_lost_nodes"] == 0.0
    assert to_b["heuristics"]["network_position"]["components"]["reach_total_nodes"] == 4.0
    assert to_b["heuristics"]["activity"]["components"]["forwards_30d"] == 4.0
    assert to_b["heuristics"]["age_stability"]["components"]["age_days"] == pytest.approx(5000 / 144)
    assert to_b["heuristics"]["age_stability"]["components"]["policy_changes_30d"] == 0.0
    # The channel to C is 95 % local: balance 1 - (0.45 - 0.15) / 0.35, steady (stability 1).
    expected = 100 * (0.75 * (1 - 0.30 / 0.35) + 0.25)
    assert rows[str(OUR_C)]["heuristics"]["liquidity"]["score"] == pytest.approx(expected, abs=1e-4)
    assert to_b["heuristics"]["liquidity"]["score"] == pytest.approx(100.0)
    assert out["channels"][0]["composite"] >= out["channels"][1]["composite"]


def test_channels_table_and_profile(capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(_fill(int(time.time()), with_graph=True))
    assert main(["channels", "--profile", "aggressive", "--block-height", str(HEIGHT + 144)]) == 0
    printed = capsys.readouterr().out
    assert "channels (aggressive)" in printed and f"skipped {HEIGHT - 50}x9x0" in printed


def test_channels_without_graph(capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(_fill(int(time.time()), with_graph=False))
    out = _run_json(capsys)
    row = next(r for r in out["channels"] if r["chan_id"] == str(OUR_B))
    for name in ("centrality", "peer_quality", "network_position", "age_stability"):
        assert row["heuristics"][name]["score"] is None, name
    assert 0 < row["coverage"] < 1
    assert main(["channels"]) == 0
    assert "no graph snapshot stored" in capsys.readouterr().out


def test_channels_empty_store(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["channels"]) == 0
    assert "no channels in the store" in capsys.readouterr().out
    assert main(["channels", "--profile", "nope"]) == 1


def test_unreadable_stored_graph_scores_without_graph_inputs(capsys: pytest.CaptureFixture[str]) -> None:
    async def fill() -> None:
        now = int(time.time())
        await _fill(now, with_graph=False)
        store = await Store.open(load_settings())
        try:
            async with store.unit_of_work() as uow:
                snap_id = await uow.graph.add_snapshot(now - 60, "test", 1, 0, 0, raw=b"not a graph")
                await uow.graph.add_metrics(snap_id, now - 60, [graph_metrics.compute_metrics(_graph())[B]])
        finally:
            await store.close()

    asyncio.run(fill())
    out = _run_json(capsys)
    row = next(r for r in out["channels"] if r["chan_id"] == str(OUR_B))
    # Metrics are stored (centrality ranks B among the one stored node), but no graph: no reach,
    # no competitors, no block height.
    assert row["heuristics"]["centrality"]["score"] is not None
    assert row["heuristics"]["network_position"]["score"] is None
    assert row["heuristics"]["competitiveness"]["components"]["competitor_fee_ppm"] is None
    assert out["block_height"] is None


def test_graph_helpers() -> None:
    from lnpilot.views import newest_funding_block, our_pubkey

    assert newest_funding_block(Graph({}, ())) is None
    assert newest_funding_block(_graph()) == HEIGHT
    assert our_pubkey(_graph(), [_local(UNSEEN, D, 1, 1)]) is None
    assert our_pubkey(_graph(), [_local(UNSEEN, D, 1, 1), _local(OUR_C, C, 1, 1)]) == US
