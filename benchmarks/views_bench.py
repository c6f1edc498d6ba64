"""Reach lost for every channel of a well-connected node: one search per channel (the old way)
against ``reach_lost_by_peer`` (one search from us, one cut search per peer), same graph, same run.

``--small``: a 2,000-node generated graph (what CI runs); default 6,000 nodes.
"""

from __future__ import annotations

import argparse
import time

from lnpilot.scoring.channel_inputs import adjacency, reach_lost, reach_lost_by_peer
from lnpilot.simnet.generator import generate_graph


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true", help="2,000 nodes (what CI runs)")
    parser.add_argument("--nodes", type=int, default=6_000)
    args = parser.parse_args()
    graph = generate_graph(2_000 if args.small else args.nodes, seed=3)
    adj = adjacency(graph)
    us = max(adj, key=lambda n: len(adj[n]))
    peers = list(adj[us])
    # Our channels: one per peer, plus a parallel channel to every tenth peer (a shared answer).
    channels = peers + peers[::10]
    began = time.perf_counter()
    old = {p: reach_lost(adj, us, p) for p in channels}
    per_channel_s = time.perf_counter() - began
    began = time.perf_counter()
    new = reach_lost_by_peer(adj, us, channels)
    per_peer_s = time.perf_counter() - began
    assert new == old, "both ways must give the same reach"
    print(f"graph: {len(graph.nodes)} nodes; us: {len(peers)} peers, {len(channels)} channels")
    print(f"reference (one search per channel): {per_channel_s * 1000:.0f} ms")
    print(
        f"reach_lost_by_peer: {per_peer_s * 1000:.0f} ms ({per_peer_s / per_channel_s:.2f} x the reference)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
