"""A seeded public graph whose shape resembles mainnet's.

Degrees follow (mildly superlinear) preferential attachment; 72 % of newcomers open one channel
(so about half the nodes end up leaves) and a heavy-tailed number otherwise; capacities are
log-normal (median 2 M sat); fee rates log-normal around a 70 ppm median with a p90 near
1,850 ppm (DOMAIN.md section 4), base fees mostly 1,000 msat, about one half-policy in ten
disabled and one in twenty carrying a negative inbound fee.
"""

from __future__ import annotations

import numpy as np

from lnpilot.domain.graph import Graph, GraphChannel, GraphNode, RoutingPolicy
from lnpilot.errors import InvalidInputError

GENESIS_BLOCK = 600_000  # funding heights of generated channels start here
_TIME_LOCK_DELTAS = (40, 80, 144, 34, 18)
_TIME_LOCK_WEIGHTS = (0.35, 0.2, 0.3, 0.1, 0.05)


def pubkey_from(rng: np.random.Generator) -> str:
    prefix = "02" if rng.random() < 0.5 else "03"
    return prefix + bytes(rng.integers(0, 256, 32, dtype=np.uint8)).hex()


def txid_from(rng: np.random.Generator) -> str:
    return bytes(rng.integers(0, 256, 32, dtype=np.uint8)).hex()


def random_policy(rng: np.random.Generator, capacity_sat: int, last_update: int) -> RoutingPolicy:
    """One half-policy drawn from the mainnet-like distributions above."""
    fee_rate_ppm = int(min(50_000, max(0, round(float(rng.lognormal(np.log(70.0), 2.55))))))
    roll = rng.random()
    base_fee_msat = 1000 if roll < 0.7 else (0 if roll < 0.9 else int(rng.integers(1, 5000)))
    time_lock_delta = int(rng.choice(_TIME_LOCK_DELTAS, p=_TIME_LOCK_WEIGHTS))
    inbound_base, inbound_ppm = 0, 0
    if rng.random() < 0.05:
        inbound_ppm = -int(rng.integers(1, max(2, fee_rate_ppm + 1)))
    return RoutingPolicy(
        base_fee_msat=base_fee_msat,
        fee_rate_ppm=fee_rate_ppm,
        time_lock_delta=time_lock_delta,
        min_htlc_msat=1000,
        max_htlc_msat=capacity_sat * 990,
        disabled=bool(rng.random() < 0.1),
        last_update=last_update,
        inbound_base_fee_msat=inbound_base,
        inbound_fee_rate_ppm=inbound_ppm,
    )


def _channel_count(rng: np.random.Generator) -> int:
    if rng.random() < 0.72:
        return 1
    # Pareto tail: a few newcomers open dozens of channels (the hubs of tomorrow).
    return int(min(60, 2 + np.floor(rng.pareto(1.3))))


def generate_graph(nodes: int, *, seed: int, taken_at: int = 1_700_000_000) -> Graph:
    """A connected graph of ``nodes`` nodes; the same seed gives the same graph."""
    if nodes < 4:
        raise InvalidInputError(f"a generated graph needs at least 4 nodes, got {nodes}")
    rng = np.random.default_rng([seed, 0x6E6F646573])
    keys = sorted({pubkey_from(rng) for _ in range(nodes)})
    while len(keys) < nodes:  # collisions of 256-bit draws do not happen, but keep the count exact
        keys.append(pubkey_from(rng))
    order = rng.permutation(nodes)
    degree = np.zeros(nodes, dtype=np.float64)
    pairs: set[tuple[int, int]] = set()
    edges: list[tuple[int, int]] = []

    def connect(a: int, b: int) -> None:
        key = (min(a, b), max(a, b))
        if a == b or key in pairs:
            return
        pairs.add(key)
        edges.append((a, b))
        degree[a] += 1
        degree[b] += 1

    seed_core = min(4, nodes)
    for i in range(seed_core):
        for j in range(i + 1, seed_core):
            connect(int(order[i]), int(order[j]))
    for pos in range(seed_core, nodes):
        newcomer = int(order[pos])
        existing = order[:pos]
        weights = degree[existing] ** 1.2  # mildly superlinear: hubs keep growing
        weights /= weights.sum()
        want = min(_channel_count(rng), pos)
        targets = rng.choice(existing, size=want, replace=False, p=weights)
        for target in targets:
            connect(newcomer, int(target))

    channels: list[GraphChannel] = []
    used_ids: set[int] = set()
    for a, b in edges:
        capacity_sat = int(min(500_000_000, max(20_000, round(float(rng.lognormal(np.log(2_000_000), 1.2))))))
        block = GENESIS_BLOCK + int(rng.integers(0, 100_000))
        chan_id = (block << 40) | (int(rng.integers(1, 3000)) << 16) | int(rng.integers(0, 4))
        while chan_id in used_ids:
            chan_id += 1 << 16
        used_ids.add(chan_id)
        node1, node2 = sorted((keys[a], keys[b]))
        updated = taken_at - int(rng.integers(0, 14 * 86_400))
        channels.append(
            GraphChannel(
                chan_id=chan_id,
                node1=node1,
                node2=node2,
                capacity_sat=capacity_sat,
                node1_policy=random_policy(rng, capacity_sat, updated),
                node2_policy=random_policy(rng, capacity_sat, updated),
                channel_point=f"{txid_from(rng)}:{int(rng.integers(0, 4))}",
                last_update=updated,
            )
        )
    graph_nodes = {
        key: GraphNode(pub_key=key, alias=f"node-{i:05d}", last_update=taken_at, color="#3399ff")
        for i, key in enumerate(keys)
    }
    return Graph(nodes=graph_nodes, channels=tuple(channels), taken_at=taken_at)
