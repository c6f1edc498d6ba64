"""LND's REST JSON, exactly: 64-bit integers as strings, bytes as base64, enums as names, every
field present with its zero value (grpc-gateway's ``EmitUnpopulated``), unset messages as null.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from lnpilot.domain.graph import GraphChannel, GraphNode, RoutingPolicy
from lnpilot.simnet.engine import Simulation
from lnpilot.simnet.state import Forward, RouteHop, SimChannel, SimInvoice, SimPayment

LND_VERSION = "0.18.5-beta commit=simnet"
CHAIN_HASH = "6fe28c0ab6f1b372c1a6a246ae63f74f931e8365e15a089c68d6190000000000"
JsonDict = dict[str, Any]


def u64(value: int) -> str:
    return str(int(value))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def error_body(code: int, message: str) -> JsonDict:
    return {"code": code, "message": message, "details": []}


def getinfo(sim: Simulation) -> JsonDict:
    active = sum(1 for c in sim.open_channels() if c.active)
    return {
        "version": LND_VERSION,
        "commit_hash": "",
        "identity_pubkey": sim.node.pub_key,
        "alias": sim.node.alias,
        "color": sim.node.color,
        "num_pending_channels": 0,
        "num_active_channels": active,
        "num_inactive_channels": len(sim.open_channels()) - active,
        "num_peers": active,
        "block_height": sim.block_height,
        "block_hash": block_hash(sim.block_height),
        "best_header_timestamp": u64(sim.now_s),
        "synced_to_chain": True,
        "synced_to_graph": True,
        "testnet": False,
        "chains": [{"chain": "bitcoin", "network": "mainnet"}],
        "uris": [f"{sim.node.pub_key}@{addr}" for addr in sim.node.addresses],
        "features": {},
        "require_htlc_interceptor": False,
        "store_final_htlc_resolutions": False,
        "wallet_synced": True,
        "graph_cache_status": "GRAPH_CACHE_STATUS_LOADED",
    }


def _constraints(ch: SimChannel, reserve_sat: int) -> JsonDict:
    return {
        "csv_delay": 144,
        "chan_reserve_sat": u64(reserve_sat),
        "dust_limit_sat": u64(354),
        "max_pending_amt_msat": u64(ch.capacity_sat * 990),
        "min_htlc_msat": u64(1),
        "max_accepted_htlcs": 483,
    }


def channel(ch: SimChannel, sim: Simulation) -> JsonDict:
    return {
        "active": ch.active,
        "remote_pubkey": ch.peer_pubkey,
        "channel_point": ch.channel_point,
        "chan_id": u64(ch.chan_id),
        "capacity": u64(ch.capacity_sat),
        "local_balance": u64(ch.local_sat),
        "remote_balance": u64(ch.remote_sat),
        "commit_fee": u64(ch.commit_fee_sat),
        "commit_weight": u64(1116),
        "fee_per_kw": u64(2500),
        "unsettled_balance": u64(0),
        "total_satoshis_sent": u64(ch.total_sent_msat // 1000),
        "total_satoshis_received": u64(ch.total_received_msat // 1000),
        "num_updates": u64(ch.num_updates),
        "pending_htlcs": [],
        "csv_delay": 144,
        "private": False,
        "initiator": ch.initiator,
        "chan_status_flags": "ChanStatusDefault",
        "local_chan_reserve_sat": u64(ch.local_reserve_sat),
        "remote_chan_reserve_sat": u64(ch.remote_reserve_sat),
        "static_remote_key": False,
        "commitment_type": "ANCHORS",
        "lifetime": u64(max(0, sim.now_s - ch.opened_at_s)),
        "uptime": u64(ch.uptime_s),
        "close_address": "",
        "push_amount_sat": u64(0),
        "thaw_height": 0,
        "local_constraints": _constraints(ch, ch.remote_reserve_sat),
        "remote_constraints": _constraints(ch, ch.local_reserve_sat),
        "alias_scids": [],
        "zero_conf": False,
        "zero_conf_confirmed_scid": u64(0),
        "peer_alias": "",
        "peer_scid_alias": u64(0),
        "memo": "",
        "custom_channel_data": "",
    }


def channel_balance(sim: Simulation) -> JsonDict:
    local = sum(c.local_msat for c in sim.channels)
    remote = sum(c.remote_msat for c in sim.channels)

    def amount(msat: int) -> JsonDict:
        return {"sat": u64(msat // 1000), "msat": u64(msat)}

    return {
        "balance": u64(local // 1000),
        "pending_open_balance": u64(0),
        "local_balance": amount(local),
        "remote_balance": amount(remote),
        "unsettled_local_balance": amount(0),
        "unsettled_remote_balance": amount(0),
        "pending_open_local_balance": amount(0),
        "pending_open_remote_balance": amount(0),
        "custom_channel_data": "",
    }


def fee_report(sim: Simulation) -> JsonDict:
    now = sim.now_s
    return {
        "channel_fees": [
            {
                "chan_id": u64(c.chan_id),
                "channel_point": c.channel_point,
                "base_fee_msat": u64(c.policy.base_fee_msat),
                "fee_per_mil": u64(c.policy.fee_rate_ppm),
                "fee_rate": c.policy.fee_rate_ppm / 1_000_000,
                "inbound_base_fee_msat": c.policy.inbound_base_fee_msat,
                "inbound_fee_per_mil": c.policy.inbound_fee_rate_ppm,
            }
            for c in sim.channels
        ],
        # LND sums whole satoshis of fees per window
        "day_fee_sum": u64(sim.fees_earned_msat(now - 86_400) // 1000),
        "week_fee_sum": u64(sim.fees_earned_msat(now - 7 * 86_400) // 1000),
        "month_fee_sum": u64(sim.fees_earned_msat(now - 30 * 86_400) // 1000),
    }


def routing_policy(pol: RoutingPolicy | None) -> JsonDict | None:
    if pol is None:
        return None
    return {
        "time_lock_delta": pol.time_lock_delta,
        "min_htlc": u64(pol.min_htlc_msat),
        "fee_base_msat": u64(pol.base_fee_msat),
        "fee_rate_milli_msat": u64(pol.fee_rate_ppm),
        "disabled": pol.disabled,
        "max_htlc_msat": u64(pol.max_htlc_msat),
        "last_update": pol.last_update,
        "custom_records": {},
        "inbound_fee_base_msat": pol.inbound_base_fee_msat,
        "inbound_fee_rate_milli_msat": pol.inbound_fee_rate_ppm,
    }


def edge(ch: GraphChannel) -> JsonDict:
    return {
        "channel_id": u64(ch.chan_id),
        "chan_point": ch.channel_point,
        "last_update": ch.last_update,
        "node1_pub": ch.node1,
        "node2_pub": ch.node2,
        "capacity": u64(ch.capacity_sat),
        "node1_policy": routing_policy(ch.node1_policy),
        "node2_policy": routing_policy(ch.node2_policy),
        "custom_records": {},
        "auth_proof": None,
    }


def node(n: GraphNode) -> JsonDict:
    return {
        "last_update": n.last_update,
        "pub_key": n.pub_key,
        "alias": n.alias,
        "addresses": [{"network": "tcp", "addr": a} for a in n.addresses],
        "color": n.color,
        "features": {},
        "custom_records": {},
    }


def forwarding_event(f: Forward, aliases: dict[int, str]) -> JsonDict:
    return {
        "timestamp": u64(f.timestamp_ns // 1_000_000_000),
        "chan_id_in": u64(f.chan_id_in),
        "chan_id_out": u64(f.chan_id_out),
        "amt_in": u64(f.amt_in_msat // 1000),
        "amt_out": u64(f.amt_out_msat // 1000),
        "fee": u64(f.fee_msat // 1000),
        "fee_msat": u64(f.fee_msat),
        "amt_in_msat": u64(f.amt_in_msat),
        "amt_out_msat": u64(f.amt_out_msat),
        "timestamp_ns": u64(f.timestamp_ns),
        "peer_alias_in": aliases.get(f.chan_id_in, ""),
        "peer_alias_out": aliases.get(f.chan_id_out, ""),
        "incoming_htlc_id": u64(f.incoming_htlc_id),
        "outgoing_htlc_id": u64(f.outgoing_htlc_id),
    }


def invoice(inv: SimInvoice) -> JsonDict:
    return {
        "memo": inv.memo,
        "r_preimage": b64(inv.r_preimage),
        "r_hash": b64(inv.r_hash),
        "value": u64(inv.value_msat // 1000),
        "value_msat": u64(inv.value_msat),
        "settled": inv.settled,
        "creation_date": u64(inv.creation_date_s),
        "settle_date": u64(inv.settle_date_s),
        "payment_request": inv.payment_request,
        "description_hash": "",
        "expiry": u64(inv.expiry_s),
        "fallback_addr": "",
        "cltv_expiry": u64(inv.cltv_expiry),
        "route_hints": [],
        "private": False,
        "add_index": u64(inv.add_index),
        "settle_index": u64(inv.settle_index),
        "amt_paid": u64(inv.amt_paid_msat // 1000),
        "amt_paid_sat": u64(inv.amt_paid_msat // 1000),
        "amt_paid_msat": u64(inv.amt_paid_msat),
        "state": "SETTLED" if inv.settled else "OPEN",
        "htlcs": [],
        "features": {},
        "is_keysend": False,
        "payment_addr": b64(inv.payment_addr),
        "is_amp": False,
        "amp_invoice_state": {},
        "is_blinded": False,
        "blinded_path_config": None,
    }


def add_invoice_response(inv: SimInvoice) -> JsonDict:
    return {
        "r_hash": b64(inv.r_hash),
        "payment_request": inv.payment_request,
        "add_index": u64(inv.add_index),
        "payment_addr": b64(inv.payment_addr),
    }


def _hop(h: RouteHop, last: bool, total_msat: int, payment_addr: bytes) -> JsonDict:
    return {
        "chan_id": u64(h.chan_id),
        "chan_capacity": u64(h.capacity_sat),
        "amt_to_forward": u64(h.amt_to_forward_msat // 1000),
        "fee": u64(h.fee_msat // 1000),
        "expiry": h.expiry,
        "amt_to_forward_msat": u64(h.amt_to_forward_msat),
        "fee_msat": u64(h.fee_msat),
        "pub_key": h.pub_key,
        "tlv_payload": True,
        "mpp_record": {"payment_addr": b64(payment_addr), "total_amt_msat": u64(total_msat)}
        if last and payment_addr
        else None,
        "amp_record": None,
        "custom_records": {},
        "metadata": "",
        "blinding_point": "",
        "encrypted_data": "",
        "total_amt_msat": u64(0),
    }


def payment(p: SimPayment, payment_addr: bytes) -> JsonDict:
    """A payment; simnet settles or fails it at once, so it resolves when it was created."""
    htlcs: list[JsonDict] = []
    if p.route:
        total_msat = p.value_msat + p.fee_msat
        hops = [_hop(h, i == len(p.route) - 1, p.value_msat, payment_addr) for i, h in enumerate(p.route)]
        htlcs.append(
            {
                "attempt_id": u64(p.payment_index),
                "status": "SUCCEEDED",
                "route": {
                    "total_time_lock": p.total_time_lock,
                    "total_fees": u64(p.fee_msat // 1000),
                    "total_amt": u64(total_msat // 1000),
                    "hops": hops,
                    "total_fees_msat": u64(p.fee_msat),
                    "total_amt_msat": u64(total_msat),
                    "first_hop_amount_msat": u64(total_msat),
                    "custom_channel_data": "",
                },
                "attempt_time_ns": u64(p.creation_time_ns),
                "resolve_time_ns": u64(p.creation_time_ns),
                "failure": None,
                "preimage": b64(p.preimage),
            }
        )
    return {
        "payment_hash": p.payment_hash.hex(),
        "value": u64(p.value_msat // 1000),
        "creation_date": u64(p.creation_time_ns // 1_000_000_000),
        "fee": u64(p.fee_msat // 1000),
        "payment_preimage": p.preimage.hex() if p.preimage else "0" * 64,
        "value_sat": u64(p.value_msat // 1000),
        "value_msat": u64(p.value_msat),
        "payment_request": p.payment_request,
        "status": p.status,
        "fee_sat": u64(p.fee_msat // 1000),
        "fee_msat": u64(p.fee_msat),
        "creation_time_ns": u64(p.creation_time_ns),
        "htlcs": htlcs,
        "payment_index": u64(p.payment_index),
        "failure_reason": p.failure_reason,
        "first_hop_custom_records": {},
    }


def block_hash(height: int) -> str:
    """A stable stand-in for the simulated chain's block hash at ``height`` (display byte order)."""
    digest = hashlib.sha256(hashlib.sha256(f"simnet-block/{height}".encode()).digest()).digest()
    return digest[::-1].hex()


def peer(ch: SimChannel, address: str = "") -> JsonDict:
    return {
        "pub_key": ch.peer_pubkey,
        "address": address,
        "bytes_sent": u64(0),
        "bytes_recv": u64(0),
        "sat_sent": u64(ch.total_sent_msat // 1000),
        "sat_recv": u64(ch.total_received_msat // 1000),
        "inbound": not ch.initiator,
        "ping_time": u64(0),
        "sync_type": "PASSIVE_SYNC",
        "features": {},
        "errors": [],
        "flap_count": ch.flap_count,
        "last_flap_ns": u64(ch.last_flap_ns),
        "last_ping_payload": "",
    }
