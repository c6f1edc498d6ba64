"""simnet's chain through LND REST: funding fees, a cooperative and a force close, end to end."""

from __future__ import annotations

import ssl
from pathlib import Path

import httpx
import pytest

from lnpilot.backends.base import BackendError, BackendNotFound
from lnpilot.backends.chain import ChainBackend
from lnpilot.backends.lnd import LndRestBackend
from lnpilot.simnet.chain import (
    COOP_CLOSE_VBYTES,
    FORCE_CSV_BLOCKS,
    FORCE_SWEEP_SAT_PER_VBYTE,
    FORCE_SWEEP_VBYTES,
    FUNDING_VBYTES,
)
from lnpilot.simnet.engine import BLOCK_INTERVAL_S
from lnpilot.simnet.testing import SimnetHandle


def _lnd(simnet: SimnetHandle, kind: str = "admin") -> LndRestBackend:
    return LndRestBackend(simnet.url, simnet.macaroon_hex(kind), simnet.tls_cert_path)


async def test_funding_transactions_carry_the_fees_simnet_charged(simnet: SimnetHandle) -> None:
    sim = simnet.sim
    async with _lnd(simnet, "readonly") as lnd:
        assert isinstance(lnd, ChainBackend)
        txs = await lnd.chain_transactions()
    ours = [c for c in sim.channels if c.initiator]
    assert len(txs) == len(ours) > 0
    assert sum(t.total_fees_sat for t in txs) == sim.chain.onchain_fees_sat
    for tx in txs:
        assert tx.total_fees_sat % FUNDING_VBYTES == 0 and tx.amount_sat < 0
        assert any(c.channel_point.startswith(tx.tx_hash) for c in ours)


async def test_cooperative_close_pending_then_closed_with_fee(simnet: SimnetHandle) -> None:
    sim = simnet.sim
    ch = next(c for c in sim.channels if c.initiator and c.active)
    local_before = ch.local_sat
    async with _lnd(simnet) as lnd:
        started = await lnd.close_channel(ch.channel_point, sat_per_vbyte=7, force=False)
        assert started.fee_per_vbyte == 7
        pending = await lnd.pending_closes()
        assert [(p.channel_point, p.closing_txid, p.kind) for p in pending] == [
            (ch.channel_point, started.closing_txid, "waiting_close")
        ]
        assert ch.channel_point not in {c.channel_point for c in await lnd.list_channels()}
        with pytest.raises(BackendError):  # closing twice: the node says the channel is gone
            await lnd.close_channel(ch.channel_point, sat_per_vbyte=7, force=False)
        forwards_before = len(sim.forwards)
        sim.advance(BLOCK_INTERVAL_S)
        assert all(ch.chan_id not in (f.chan_id_in, f.chan_id_out) for f in sim.forwards[forwards_before:])
        assert await lnd.pending_closes() == []
        closed = await lnd.closed_channels()
        txs = await lnd.chain_transactions()
    assert [(c.channel_point, c.closing_tx_hash) for c in closed] == [
        (ch.channel_point, started.closing_txid)
    ]
    fee = 7 * COOP_CLOSE_VBYTES
    assert closed[0].settled_balance_sat == local_before - fee
    closing = next(t for t in txs if t.tx_hash == started.closing_txid)
    assert (closing.total_fees_sat, closing.amount_sat) == (fee, local_before - fee)
    assert sum(t.total_fees_sat for t in txs) == sim.chain.onchain_fees_sat


async def test_force_close_waits_for_the_csv_delay(simnet: SimnetHandle) -> None:
    sim = simnet.sim
    ch = sim.channels[0]
    async with _lnd(simnet) as lnd:
        started = await lnd.close_channel(ch.channel_point, sat_per_vbyte=None, force=True)
        sim.advance(BLOCK_INTERVAL_S * 3)
        assert [p.kind for p in await lnd.pending_closes()] == ["pending_force_closing"]
        sim.advance(BLOCK_INTERVAL_S * FORCE_CSV_BLOCKS)
        closed = await lnd.closed_channels()
    assert closed[0].close_type == "FORCE_CLOSE" and closed[0].closing_tx_hash == started.closing_txid
    assert any(t.total_fees_sat == FORCE_SWEEP_SAT_PER_VBYTE * FORCE_SWEEP_VBYTES for t in sim.chain.txs)


async def test_bad_closes_are_refused(simnet: SimnetHandle) -> None:
    async with _lnd(simnet) as lnd:
        with pytest.raises(BackendNotFound):
            await lnd.close_channel("ab" * 32 + ":0", sat_per_vbyte=5, force=False)
        with pytest.raises(Exception, match="fee rate"):
            await lnd.close_channel(simnet.sim.channels[1].channel_point, sat_per_vbyte=None, force=False)
    async with _lnd(simnet, "readonly") as ro:
        with pytest.raises(BackendError):
            await ro.close_channel(simnet.sim.channels[1].channel_point, sat_per_vbyte=5, force=False)
    headers = {"Grpc-Metadata-macaroon": simnet.macaroon_hex()}
    context = ssl.create_default_context(cafile=str(simnet.tls_cert_path))
    async with httpx.AsyncClient(verify=context) as raw:
        point = simnet.sim.channels[1].channel_point.replace(":", "/")
        url = f"{simnet.url}/v1/channels/{point}"
        bad = await raw.delete(url, params={"sat_per_vbyte": "x"}, headers=headers)
    assert bad.status_code == 400
    assert not simnet.sim.chain.closing


async def test_a_force_close_takes_no_fee_rate(simnet: SimnetHandle) -> None:
    """As LND: a force close with a fee rate is refused (the sweep's rate is simnet's named
    constant, documented with its reason in docs/simnet.md)."""
    headers = {"Grpc-Metadata-macaroon": simnet.macaroon_hex()}
    context = ssl.create_default_context(cafile=str(simnet.tls_cert_path))
    point = simnet.sim.channels[0].channel_point.replace(":", "/")
    async with httpx.AsyncClient(verify=context) as raw:
        answer = await raw.delete(
            f"{simnet.url}/v1/channels/{point}",
            params={"force": "true", "sat_per_vbyte": "5"},
            headers=headers,
        )
    assert answer.status_code == 500
    assert answer.json()["message"] == "force closing a channel uses a pre-defined fee"
    assert not simnet.sim.chain.closing
    doc = (Path(__file__).resolve().parents[2] / "docs" / "simnet.md").read_text()
    assert f"`FORCE_SWEEP_SAT_PER_VBYTE` ({FORCE_SWEEP_SAT_PER_VBYTE} sat/vB)" in doc
