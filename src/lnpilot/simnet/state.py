"""Mutable records of the simulated node: its channels, forwards, invoices and payments.

These live only inside simnet; what leaves it goes through the LND wire encoders or the
ground-truth view, never these objects themselves.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lnpilot.domain.graph import RoutingPolicy


@dataclass(slots=True)
class SimChannel:
    chan_id: int
    channel_point: str
    peer_pubkey: str
    peer_index: int  # node index of the peer in the public graph arrays
    capacity_sat: int
    local_msat: int
    remote_msat: int
    policy: RoutingPolicy  # ours: what we charge to forward out of this channel
    peer_policy: RoutingPolicy  # the peer's: what it charges to forward to us
    opened_at_s: int
    initiator: bool
    local_reserve_sat: int
    remote_reserve_sat: int
    commit_fee_sat: int = 2_500
    active: bool = True
    uptime_s: int = 0
    total_sent_msat: int = 0
    total_received_msat: int = 0
    num_updates: int = 0
    next_htlc_id: int = 0
    failed_for_liquidity: int = 0  # payments that wanted to leave here but our balance was short
    failed_peer_liquidity: int = 0  # payments that wanted to enter here but the peer's side was short
    flap_count: int = 0
    last_flap_ns: int = 0
    succeeded_in_s: float = float("-inf")  # last HTLC in / out that settled (payers' mission control)
    succeeded_out_s: float = float("-inf")
    closing: bool = False  # a close was requested: out of routing for good (simnet.chain)

    @property
    def local_sat(self) -> int:
        return self.local_msat // 1000

    @property
    def remote_sat(self) -> int:
        return self.remote_msat // 1000

    def can_send_msat(self) -> int:
        return max(0, self.local_msat - self.local_reserve_sat * 1000)

    def can_receive_msat(self) -> int:
        return max(0, self.remote_msat - self.remote_reserve_sat * 1000)

    def take_htlc_id(self) -> int:
        htlc_id = self.next_htlc_id
        self.next_htlc_id += 1
        return htlc_id


@dataclass(frozen=True, slots=True)
class Forward:
    """One settled forward through our node (what /v1/switch reports)."""

    timestamp_ns: int
    chan_id_in: int
    chan_id_out: int
    amt_in_msat: int
    amt_out_msat: int
    fee_msat: int
    incoming_htlc_id: int
    outgoing_htlc_id: int


@dataclass(slots=True)
class SimInvoice:
    r_hash: bytes
    r_preimage: bytes
    payment_addr: bytes
    payment_request: str
    value_msat: int
    memo: str
    creation_date_s: int
    expiry_s: int
    cltv_expiry: int
    add_index: int
    settled: bool = False
    settle_date_s: int = 0
    settle_index: int = 0
    amt_paid_msat: int = 0


@dataclass(frozen=True, slots=True)
class RouteHop:
    chan_id: int
    pub_key: str
    capacity_sat: int
    amt_to_forward_msat: int
    fee_msat: int
    expiry: int


@dataclass(slots=True)
class SimPayment:
    payment_hash: bytes
    payment_request: str
    value_msat: int
    creation_time_ns: int
    payment_index: int
    status: str  # SUCCEEDED | FAILED
    failure_reason: str = "FAILURE_REASON_NONE"
    fee_msat: int = 0
    preimage: bytes = b""
    route: tuple[RouteHop, ...] = field(default=())
    total_time_lock: int = 0
