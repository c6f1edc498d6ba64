"""Determinism fingerprints of the market (issue 15, speed): optimisations must be bit-identical.

Each case runs simnet for a few simulated days with fixed seeds, changes some of our fees between
days (so gossip, stale-fee failures and the exact searches all take part) and hashes everything
the simulation produced: every forward through us (time, channels, amounts, fee, HTLC ids), the
HTLC refusals, the payment outcome counters, competitor fee changes, our channels' balances and
the public channels' balances and fees at the end. The expected digests were recorded from the
code before the speed work; the arena reuses results measured before a change only while these
hold. A change that moves a digest changes simulated history: it is not a speed-up.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

import numpy as np
import pytest

from lnpilot.domain.graph import Graph
from lnpilot.simnet.engine import SimConfig, Simulation
from lnpilot.simnet.generator import generate_graph
from lnpilot.simnet.market.config import preset
from tests.conftest import shared_file


def fingerprint(graph: Graph, *, seed: int, channels: int, market: str, days: int) -> str:
    sim = Simulation(graph, SimConfig(seed=seed, channels=channels, market=preset(market)))
    digest = hashlib.sha256()
    for day in range(days):
        sim.advance(86_400)
        # between days, move some of our fees up and some down (payers learn them through gossip)
        for pos, ch in enumerate(sim.channels):
            if (pos + day) % 3 == 0:
                ppm = (ch.policy.fee_rate_ppm * (3 if pos % 2 else 1)) // 2 + 10 * day
                sim.set_policy(ch, replace(ch.policy, fee_rate_ppm=ppm))
    for f in sim.forwards:
        digest.update(
            repr(
                (
                    f.timestamp_ns,
                    f.chan_id_in,
                    f.chan_id_out,
                    f.amt_in_msat,
                    f.amt_out_msat,
                    f.fee_msat,
                    f.incoming_htlc_id,
                    f.outgoing_htlc_id,
                )
            ).encode()
        )
    failures = {kind.value: sorted(by_chan.items()) for kind, by_chan in sim.htlc_events.failures.items()}
    digest.update(repr((sorted(failures.items()), sim.htlc_events.last_seq)).encode())
    digest.update(repr(sorted(sim.market_model.stats.as_dict().items())).encode())
    digest.update(repr(sim.competitor_fee_changes).encode())
    for ch in sim.channels:
        digest.update(
            repr(
                (
                    ch.chan_id,
                    ch.local_msat,
                    ch.remote_msat,
                    ch.failed_for_liquidity,
                    ch.failed_peer_liquidity,
                    ch.succeeded_in_s,
                    ch.succeeded_out_s,
                )
            ).encode()
        )
    model = sim.market_model
    for array in (model.balance, model.ppm, model.flow, model.succeeded_at):
        digest.update(np.ascontiguousarray(array, dtype=np.float64).tobytes())
    return digest.hexdigest()


@pytest.mark.parametrize(
    ("market", "days", "expected"),
    [
        ("default", 3, "b9cd46d711be0376388a688995800b1936c6fee9158d50da415caa9d391e5b32"),
        ("mainnet-2025", 1, "49f03cc7d2e4b2db3ce2873d2554a84af3ca74a925eedaf2dd7a525209505583"),
    ],
)
def test_fingerprint_generated_graph(market: str, days: int, expected: str) -> None:
    graph = generate_graph(600, seed=5)
    assert fingerprint(graph, seed=3, channels=12, market=market, days=days) == expected


def test_fingerprint_2021_graph() -> None:
    from lnpilot.graph.ingest import load_graph

    graph = load_graph(shared_file("data", "graphs", "cln_listchannels_2021-04-16.json.gz")).graph
    assert fingerprint(graph, seed=1, channels=20, market="default", days=2) == (
        "0122b5705c66ee5f4ce7cd9e98a304e9d70b332c45c1c2886bd52cb87151969f"
    )
