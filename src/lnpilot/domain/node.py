"""Our own node's state as the backends report it, normalised."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from lnpilot.domain.graph import RoutingPolicy


@dataclass(frozen=True, slots=True)
class NodeInfo:
    pub_key: str
    alias: str
    num_active_channels: int
    num_inactive_channels: int
    num_pending_channels: int
    num_peers: int
    block_height: int
    synced_to_chain: bool | None  # None: the backend does not say (LNbits)
    version: str = ""
    color: str = ""
    # LND's ``best_header_timestamp``: the best block header's time on a real node (up to hours
    # behind the wall clock, never "now"); simnet sets it to its simulated now (its node clock).
    best_header_timestamp: int | None = None


@dataclass(frozen=True, slots=True)
class PendingHtlc:
    incoming: bool
    amount_sat: int
    expiration_height: int
    hash_lock_hex: str = ""


@dataclass(frozen=True, slots=True)
class LocalChannel:
    """One of our channels. ``uptime_s``/``lifetime_s`` are ``None`` when the backend cannot say."""

    chan_id: int
    channel_point: str
    remote_pubkey: str
    capacity_sat: int
    local_balance_sat: int
    remote_balance_sat: int
    active: bool
    private: bool = False
    initiator: bool = False
    commit_fee_sat: int = 0
    local_chan_reserve_sat: int = 0
    remote_chan_reserve_sat: int = 0
    total_satoshis_sent: int = 0
    total_satoshis_received: int = 0
    num_updates: int = 0
    uptime_s: int | None = None
    lifetime_s: int | None = None
    pending_htlcs: tuple[PendingHtlc, ...] = ()

    @property
    def pending_outgoing_sat(self) -> int:
        return sum(h.amount_sat for h in self.pending_htlcs if not h.incoming)

    @property
    def pending_incoming_sat(self) -> int:
        return sum(h.amount_sat for h in self.pending_htlcs if h.incoming)

    @property
    def local_ratio(self) -> float:
        """Share of the channel that is ours once in-flight HTLCs settle in their direction.

        Outgoing HTLCs already left ``local_balance_sat``; counting them as still ours would let
        an attacker holding HTLCs push our apparent balance (and proportional fees) around.
        """
        usable = self.local_balance_sat + self.remote_balance_sat + self.pending_outgoing_sat
        usable += self.pending_incoming_sat
        if usable <= 0:
            return 0.0
        return self.local_balance_sat / usable


@dataclass(frozen=True, slots=True)
class ChannelFee:
    """One line of LND's fee report: our current fees on a channel."""

    chan_id: int
    channel_point: str
    base_fee_msat: int
    fee_rate_ppm: int
    inbound_base_fee_msat: int = 0
    inbound_fee_rate_ppm: int = 0


@dataclass(frozen=True, slots=True)
class FeeReport:
    channels: tuple[ChannelFee, ...]
    # None where the backend does not report the sum (never a 0 standing in for "unknown").
    day_fee_sum_sat: int | None
    week_fee_sum_sat: int | None
    month_fee_sum_sat: int | None


@dataclass(frozen=True, slots=True)
class ForwardingEvent:
    """A settled forward. Its natural key deduplicates re-synced history."""

    timestamp_ns: int
    chan_id_in: int
    chan_id_out: int
    amt_in_msat: int
    amt_out_msat: int
    fee_msat: int

    @property
    def natural_key(self) -> tuple[int, int, int, int, int]:
        return (self.timestamp_ns, self.chan_id_in, self.chan_id_out, self.amt_in_msat, self.amt_out_msat)


@dataclass(frozen=True, slots=True)
class ClosedChannel:
    chan_id: int
    channel_point: str
    remote_pubkey: str
    capacity_sat: int
    close_height: int
    settled_balance_sat: int
    close_type: str
    closing_tx_hash: str = ""


@dataclass(frozen=True, slots=True)
class ChainTransaction:
    """One on-chain wallet transaction (LND ``GetTransactions``). ``amount_sat`` is signed:
    negative when the wallet paid out (a channel funding), positive when it received (a close).
    ``total_fees_sat`` is the miner fee our wallet paid (0 when it paid none)."""

    tx_hash: str
    amount_sat: int
    total_fees_sat: int
    block_height: int
    time_stamp_s: int
    label: str = ""


@dataclass(frozen=True, slots=True)
class Invoice:
    r_hash_hex: str
    payment_request: str
    value_msat: int
    settled: bool
    add_index: int = 0
    memo: str = ""


class PaymentStatus(StrEnum):
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    IN_FLIGHT = "IN_FLIGHT"


@dataclass(frozen=True, slots=True)
class PaymentResult:
    payment_hash: str
    status: PaymentStatus
    value_msat: int
    fee_msat: int
    failure_reason: str = ""
    route_chan_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class PolicyUpdateResult:
    """The outcome of a policy update, *after* reading the live policy back.

    ``verified`` is True only when every field was read back and equals the one sent;
    ``mismatches`` names the fields that differ (field -> (sent, read back)) and
    ``unverified_fields`` those the backend cannot read back (LNbits: all but the fees), whose
    values in ``read_back`` are the ones sent, not observed.
    """

    channel_point: str
    sent: RoutingPolicy
    read_back: RoutingPolicy | None
    mismatches: dict[str, tuple[object, object]]
    unverified_fields: tuple[str, ...] = ()

    @property
    def verified(self) -> bool:
        return self.read_back is not None and not self.mismatches and not self.unverified_fields
