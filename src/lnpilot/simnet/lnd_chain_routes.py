"""LND's on-chain endpoints in simnet: wallet transactions, pending and closed channels, and the
``DELETE /v1/channels/{funding_txid}/{output_index}`` close stream (``lnpilot.simnet.chain``)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from lnpilot.simnet import wire
from lnpilot.simnet.chain import ChainTx, ClosedSummary, Closing
from lnpilot.simnet.engine import Simulation
from lnpilot.simnet.lnd_routes import run_locked, truthy
from lnpilot.simnet.policy import RpcError


def _tx(t: ChainTx, height: int) -> dict[str, Any]:
    return {
        "tx_hash": t.tx_hash,
        "amount": str(t.amount_sat),
        "num_confirmations": max(0, height - t.block_height + 1),
        "block_hash": wire.block_hash(t.block_height),
        "block_height": t.block_height,
        "time_stamp": str(t.time_stamp_s),
        "total_fees": str(t.total_fees_sat),
        "dest_addresses": [],
        "output_details": [],
        "raw_tx_hex": "",
        "label": t.label,
        "previous_outpoints": [],
    }


def _closed(c: ClosedSummary) -> dict[str, Any]:
    ch = c.channel
    return {
        "channel_point": ch.channel_point,
        "chan_id": wire.u64(ch.chan_id),
        "chain_hash": "",
        "closing_tx_hash": c.closing_txid,
        "remote_pubkey": ch.peer_pubkey,
        "capacity": str(ch.capacity_sat),
        "close_height": c.close_height,
        "settled_balance": str(c.settled_balance_sat),
        "time_locked_balance": "0",
        "close_type": c.close_type,
        "open_initiator": "INITIATOR_LOCAL" if ch.initiator else "INITIATOR_REMOTE",
        "close_initiator": "INITIATOR_LOCAL",
        "resolutions": [],
        "alias_scids": [],
        "zero_conf_confirmed_scid": "0",
    }


def _pending_channel(c: Closing) -> dict[str, Any]:
    ch = c.channel
    return {
        "remote_node_pub": ch.peer_pubkey,
        "channel_point": ch.channel_point,
        "capacity": str(ch.capacity_sat),
        "local_balance": str(ch.local_sat),
        "remote_balance": str(ch.remote_sat),
        "local_chan_reserve_sat": str(ch.local_reserve_sat),
        "remote_chan_reserve_sat": str(ch.remote_reserve_sat),
        "initiator": "INITIATOR_LOCAL" if ch.initiator else "INITIATOR_REMOTE",
        "commitment_type": "ANCHORS",
        "num_forwarding_packages": "0",
        "chan_status_flags": "ChanStatusCoopBroadcasted",
        "private": False,
        "memo": "",
    }


def _pending(sim: Simulation) -> dict[str, Any]:
    waiting, forcing = [], []
    for c in sim.chain.closing.values():
        if c.force:
            forcing.append(
                {
                    "channel": _pending_channel(c),
                    "closing_txid": c.closing_txid,
                    "limbo_balance": str(c.channel.local_sat),
                    "maturity_height": c.confirm_height,
                    "blocks_til_maturity": max(0, c.confirm_height - sim.block_height),
                    "recovered_balance": "0",
                    "pending_htlcs": [],
                    "anchor": "LIMBO",
                }
            )
        else:
            waiting.append(
                {
                    "channel": _pending_channel(c),
                    "limbo_balance": str(c.channel.local_sat),
                    "commitments": {"local_txid": "", "remote_txid": "", "local_commit_fee_sat": "0"},
                    "closing_txid": c.closing_txid,
                    "closing_tx_hex": "",
                }
            )
    limbo = sum(c.channel.local_sat for c in sim.chain.closing.values())
    return {
        "total_limbo_balance": str(limbo),
        "pending_open_channels": [],
        "pending_closing_channels": [],
        "pending_force_closing_channels": forcing,
        "waiting_close_channels": waiting,
    }


def _stream(lines: list[dict[str, Any]]) -> Iterator[bytes]:
    for line in lines:
        yield (json.dumps(line) + "\n").encode()


def build_chain_router(sim: Simulation, require: Callable[[Request, str], None]) -> APIRouter:
    router = APIRouter()

    @router.get("/v1/transactions")
    async def transactions(request: Request) -> Any:
        require(request, "onchain:read")

        def listing() -> dict[str, Any]:
            sim.chain.settle()
            txs = [_tx(t, sim.block_height) for t in sim.chain.txs]
            return {"transactions": txs, "last_index": str(len(txs)), "first_index": "0"}

        return await run_locked(sim, listing)

    @router.get("/v1/channels/closed")
    async def closed(request: Request) -> Any:
        require(request, "offchain:read")

        def listing() -> dict[str, Any]:
            sim.chain.settle()
            return {"channels": [_closed(c) for c in sim.chain.closed]}

        return await run_locked(sim, listing)

    @router.get("/v1/channels/pending")
    async def pending(request: Request) -> Any:
        require(request, "offchain:read")

        def listing() -> dict[str, Any]:
            sim.chain.settle()
            return _pending(sim)

        return await run_locked(sim, listing)

    @router.delete("/v1/channels/{funding_txid}/{output_index}")
    async def close(request: Request, funding_txid: str, output_index: str) -> Any:
        require(request, "offchain:write")
        q = request.query_params
        force = truthy(q.get("force"))
        raw_rate = q.get("sat_per_vbyte") or "0"
        if not raw_rate.isdigit():
            raise RpcError(3, "proto: invalid value for uint64 field sat_per_vbyte")
        rate = int(raw_rate)
        if not output_index.isdigit():
            raise RpcError(3, "proto: invalid value for uint32 field output_index")

        def start() -> Closing:
            sim.chain.settle()
            ch = sim.channel_by_point_or_rpc(f"{funding_txid}:{int(output_index)}")
            return sim.chain.close(ch, force=force, sat_per_vbyte=rate or None)

        closing = await run_locked(sim, start)
        pending = {
            "txid": wire.b64(bytes.fromhex(closing.closing_txid)[::-1]),
            "output_index": 0,
            "fee_per_vbyte": str(closing.fee_per_vbyte),
            "local_close_tx": True,
        }
        return StreamingResponse(
            _stream([{"result": {"close_pending": pending}}]), media_type="application/json"
        )

    return router
