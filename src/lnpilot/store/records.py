"""Store-side records for rows that have no domain type of their own (yet).

Decisions are defined by the decisions area; the store keeps them generically (type, params,
reasons as JSON) so both can evolve without a schema change per decision kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from lnpilot.errors import LnpilotError


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    created_at: int
    type: str
    profile: str
    mode: str
    would_execute: bool
    chan_id: int | None = None
    params: dict[str, Any] = field(default_factory=dict)
    reasons: list[Any] = field(default_factory=list)
    confidence: float | None = None
    id: int | None = None  # set once stored


@dataclass(frozen=True, slots=True)
class ExpertReview:
    decision_id: int
    agree: bool
    notes: str
    reviewed_at: int
    id: int | None = None


class TxStatus(StrEnum):
    PENDING = "pending"
    IN_FLIGHT = "in_flight"
    APPLIED = "applied"
    FAILED = "failed"
    ROLLED_BACK = "rolled_back"
    RECONCILED = "reconciled"


# A transaction is logged before it is sent; after a crash an in-flight one is reconciled by
# reading the live policy back. Applied or reconciled changes can still be rolled back.
TX_TRANSITIONS: dict[TxStatus, frozenset[TxStatus]] = {
    TxStatus.PENDING: frozenset({TxStatus.IN_FLIGHT, TxStatus.FAILED}),
    TxStatus.IN_FLIGHT: frozenset({TxStatus.APPLIED, TxStatus.FAILED, TxStatus.RECONCILED}),
    TxStatus.APPLIED: frozenset({TxStatus.ROLLED_BACK}),
    TxStatus.FAILED: frozenset({TxStatus.ROLLED_BACK, TxStatus.RECONCILED}),
    TxStatus.RECONCILED: frozenset({TxStatus.ROLLED_BACK}),
    TxStatus.ROLLED_BACK: frozenset(),
}


class InvalidTransition(LnpilotError):
    code = "invalid-transition"


@dataclass(frozen=True, slots=True)
class TransactionItem:
    chan_id: int
    channel_point: str
    requested_policy: dict[str, Any]
    backup_policy: dict[str, Any] | None = None
    result: dict[str, Any] | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class TransactionRecord:
    created_at: int
    updated_at: int
    mode: str
    status: TxStatus
    items: tuple[TransactionItem, ...]
    decision_id: int | None = None
    note: str = ""
    id: int | None = None


@dataclass(frozen=True, slots=True)
class GraphSnapshotRecord:
    id: int
    taken_at: int
    source: str
    node_count: int
    channel_count: int
    total_capacity_sat: int


@dataclass(frozen=True, slots=True)
class ChannelOverrideRecord:
    chan_id: int
    pin: bool = False
    exclude: bool = False
    fee_rate_min_ppm: int | None = None
    fee_rate_max_ppm: int | None = None
    updated_at: int = 0


@dataclass(frozen=True, slots=True)
class ApiKeyRecord:
    """A stored key: only its hash and a short prefix are kept, never the key itself."""

    id: int
    name: str
    prefix: str
    scope: str  # "read" | "admin"
    created_at: int
    last_used_at: int | None = None
    revoked_at: int | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: int
    actor: str
    action: str
    target: str
    details: dict[str, Any] = field(default_factory=dict)
    id: int | None = None


@dataclass(frozen=True, slots=True)
class SyncMark:
    kind: str
    synced_at: int
    high_water: int | None = None


class Coverage(StrEnum):
    """Whether the store holds a ledger source (chain transactions, payments): read by a sync, not
    read yet although the backend can give it, or not given by the backend at all (LNbits). The
    last two are both "no figure", but only the first goes away with a sync."""

    MEASURED = "measured"
    NOT_SYNCED = "not synced"
    NOT_MEASURED = "not measured"


@dataclass(frozen=True, slots=True)
class NodeFeeSums:
    """The node-wide routing fees the backend reported at one sync, in sat (LNbits' node API, LND's
    fee report): rolling sums over the past day, week and month, not per channel. None where the
    backend left one out."""

    reported_at: int  # unix seconds of the sync that read them
    day_sat: int | None
    week_sat: int | None
    month_sat: int | None

    def as_dict(self) -> dict[str, int | str | None]:
        return {
            "reported_at": self.reported_at,
            "day_sat": self.day_sat,
            "week_sat": self.week_sat,
            "month_sat": self.month_sat,
            "scope": "node-wide, rolling past day/week/month at reported_at "
            "(not per channel, not this window)",
        }


@dataclass(frozen=True, slots=True)
class TrackedChannel:
    """A channel of ours as the store remembers it, open or closed."""

    chan_id: int
    channel_point: str
    remote_pubkey: str
    capacity_sat: int
    private: bool
    initiator: bool
    first_seen_at: int
    last_seen_at: int
    closed: bool = False
    close_height: int | None = None
    close_type: str | None = None
    closing_tx_hash: str | None = None
    settled_balance_sat: int | None = None
