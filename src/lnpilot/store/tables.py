"""The schema as SQLAlchemy Core tables; Alembic migrations (``store/migrations``) create it.

Times are unix seconds (``*_at``) or nanoseconds (``timestamp_ns``) in BIGINT columns: the domain
speaks unix time and integers compare the same way on SQLite and PostgreSQL. Channel ids are
uint64 in LND; they are stored as signed BIGINT through ``lnpilot.store.codec.chan_to_db``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB

from lnpilot.domain.scores import HEURISTICS

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# SQLite only auto-increments a column declared exactly INTEGER PRIMARY KEY.
Id = BigInteger().with_variant(Integer(), "sqlite")
Json = JSON().with_variant(JSONB(), "postgresql")


def _pk() -> Column[int]:
    return Column("id", Id, primary_key=True, autoincrement=True)


graph_snapshots = Table(
    "graph_snapshots",
    metadata,
    _pk(),
    Column("taken_at", BigInteger, nullable=False, index=True),
    Column("source", String(32), nullable=False),
    Column("node_count", Integer, nullable=False),
    Column("channel_count", Integer, nullable=False),
    Column("total_capacity_sat", BigInteger, nullable=False),
    # gzip of the raw describegraph bytes, so a restart can rebuild the graph without the node.
    Column("raw_gz", LargeBinary, nullable=True),
)

node_metrics = Table(
    "node_metrics",
    metadata,
    _pk(),
    Column("snapshot_id", Id, ForeignKey("graph_snapshots.id", ondelete="CASCADE"), nullable=False),
    Column("pub_key", String(66), nullable=False),
    Column("computed_at", BigInteger, nullable=False),
    Column("degree", Integer, nullable=False),
    Column("channel_count", Integer, nullable=False),
    Column("total_capacity_sat", BigInteger, nullable=False),
    Column("betweenness", Float, nullable=False),
    Column("betweenness_norm", Float, nullable=False),
    Column("routing_betweenness", Float, nullable=False),
    Column("routing_betweenness_norm", Float, nullable=False),
    Column("closeness", Float, nullable=False),
    Column("pagerank", Float, nullable=False),
    Column("median_out_fee_ppm", Float, nullable=True),
    Column("median_in_fee_ppm", Float, nullable=True),
    Column("disabled_share", Float, nullable=True),
    Column("mean_channel_age_blocks", Float, nullable=True),
    UniqueConstraint("snapshot_id", "pub_key"),
    Index(None, "pub_key", "computed_at"),
)


def _score_columns() -> list[Column[Any]]:
    cols: list[Column[Any]] = [
        Column("subject_kind", String(8), nullable=False),  # "node" | "channel"
        Column("subject", String(66), nullable=False),
        Column("profile", String(32), nullable=False),
        Column("computed_at", BigInteger, nullable=False),
        Column("composite", Float, nullable=True),
        Column("coverage", Float, nullable=False),
    ]
    # One column per heuristic so a ranking by any of them is an indexed ORDER BY ... LIMIT.
    cols += [Column(f"h_{name}", Float, nullable=True) for name in HEURISTICS]
    # name -> {"score", "reason", "components"}: the full verdicts, for display.
    cols.append(Column("heuristics", Json, nullable=False))
    return cols


# Compact (issue 17 item 23): the numbers only (the verdicts' reasons stay in scores_latest), a row
# only when a number changed, one row per subject and day past ``score_history_full_days``.
score_history = Table(
    "score_history",
    metadata,
    _pk(),
    *[c for c in _score_columns() if c.name != "heuristics"],
    Index(None, "subject_kind", "subject", "computed_at"),
    Index(None, "computed_at"),
)

# One row per (kind, subject, profile): the newest score, upserted next to the history insert.
scores_latest = Table(
    "scores_latest",
    metadata,
    _pk(),
    *_score_columns(),
    UniqueConstraint("subject_kind", "subject", "profile"),
    Index(None, "subject_kind", "profile", "composite"),
    *[Index(None, "subject_kind", "profile", f"h_{name}") for name in HEURISTICS],
)

channels = Table(
    "channels",
    metadata,
    Column("chan_id", BigInteger, primary_key=True, autoincrement=False),
    Column("channel_point", String(80), nullable=False),
    Column("remote_pubkey", String(66), nullable=False),
    Column("capacity_sat", BigInteger, nullable=False),
    Column("private", Boolean, nullable=False),
    Column("initiator", Boolean, nullable=False),
    Column("first_seen_at", BigInteger, nullable=False),
    Column("last_seen_at", BigInteger, nullable=False),
    Column("closed", Boolean, nullable=False, default=False),
    Column("close_height", Integer, nullable=True),
    Column("close_type", String(40), nullable=True),
    Column("closing_tx_hash", String(64), nullable=True),
    Column("settled_balance_sat", BigInteger, nullable=True),
    Index(None, "remote_pubkey"),
)

channel_snapshots = Table(
    "channel_snapshots",
    metadata,
    _pk(),
    Column("chan_id", BigInteger, nullable=False),
    Column("taken_at", BigInteger, nullable=False),
    Column("local_balance_sat", BigInteger, nullable=False),
    Column("remote_balance_sat", BigInteger, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("capacity_sat", BigInteger, nullable=False),
    Column("uptime_s", BigInteger, nullable=True),
    Column("lifetime_s", BigInteger, nullable=True),
    # The rest of the node's channel record (reserves, commit fee, totals, pending HTLCs): a view
    # built from the store must equal one built live (issue 18). NULL on rows written before 0003_snapshot.
    Column("detail", Json, nullable=True),
    Index(None, "chan_id", "taken_at"),
    Index(None, "taken_at"),
)

forwarding_events = Table(
    "forwarding_events",
    metadata,
    _pk(),
    Column("timestamp_ns", BigInteger, nullable=False),
    Column("chan_id_in", BigInteger, nullable=False),
    Column("chan_id_out", BigInteger, nullable=False),
    Column("amt_in_msat", BigInteger, nullable=False),
    Column("amt_out_msat", BigInteger, nullable=False),
    Column("fee_msat", BigInteger, nullable=False),
    # The natural key: a re-synced window never double counts. Its leading column serves time scans.
    UniqueConstraint("timestamp_ns", "chan_id_in", "chan_id_out", "amt_in_msat", "amt_out_msat"),
    Index(None, "chan_id_in", "timestamp_ns"),
    Index(None, "chan_id_out", "timestamp_ns"),
)

policy_changes = Table(
    "policy_changes",
    metadata,
    _pk(),
    Column("chan_id", BigInteger, nullable=False),
    Column("changed_at", BigInteger, nullable=False),
    Column("source", String(32), nullable=False),  # who: "lnpilot", "external", "initial"
    Column("old_policy", Json, nullable=True),
    Column("new_policy", Json, nullable=False),
    Index(None, "chan_id", "changed_at"),
)

decisions = Table(
    "decisions",
    metadata,
    _pk(),
    Column("created_at", BigInteger, nullable=False),
    Column("type", String(40), nullable=False),
    Column("chan_id", BigInteger, nullable=True),
    Column("params", Json, nullable=False),
    Column("reasons", Json, nullable=False),
    Column("confidence", Float, nullable=True),
    Column("profile", String(32), nullable=False),
    Column("mode", String(16), nullable=False),
    Column("would_execute", Boolean, nullable=False),
    Index(None, "created_at"),
    Index(None, "type", "created_at"),
    Index(None, "chan_id", "created_at"),
)

decision_reviews = Table(
    "decision_reviews",
    metadata,
    _pk(),
    Column("decision_id", Id, ForeignKey("decisions.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("agree", Boolean, nullable=False),
    Column("notes", Text, nullable=False),
    Column("reviewed_at", BigInteger, nullable=False),
)

transactions = Table(
    "transactions",
    metadata,
    _pk(),
    Column("created_at", BigInteger, nullable=False, index=True),
    Column("updated_at", BigInteger, nullable=False),
    Column("mode", String(16), nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("decision_id", Id, ForeignKey("decisions.id", ondelete="SET NULL"), nullable=True),
    Column("note", Text, nullable=False),
)

transaction_items = Table(
    "transaction_items",
    metadata,
    _pk(),
    Column("tx_id", Id, ForeignKey("transactions.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("chan_id", BigInteger, nullable=False),
    Column("channel_point", String(80), nullable=False),
    Column("backup_policy", Json, nullable=True),  # what to restore on rollback
    Column("requested_policy", Json, nullable=False),
    Column("result", Json, nullable=True),
)

validation_history = Table(
    "validation_history",
    metadata,
    _pk(),
    Column("chan_id", BigInteger, nullable=False),
    Column("peer_pubkey", String(66), nullable=True),
    Column("changed_at", BigInteger, nullable=False),
    Column("kind", String(16), nullable=False),  # "policy" | "rebalance"
    Column("tx_id", Id, nullable=True),
    Column("cost_msat", BigInteger, nullable=True),  # a rebalance's fee: the daily/weekly spend caps
    Index(None, "chan_id", "changed_at"),
    Index(None, "peer_pubkey", "changed_at"),
    Index(None, "changed_at"),
)

channel_overrides = Table(
    "channel_overrides",
    metadata,
    Column("chan_id", BigInteger, primary_key=True, autoincrement=False),
    Column("pin", Boolean, nullable=False),
    Column("exclude", Boolean, nullable=False),
    Column("fee_rate_min_ppm", Integer, nullable=True),
    Column("fee_rate_max_ppm", Integer, nullable=True),
    Column("updated_at", BigInteger, nullable=False),
)

# One lnpilot acting on a node at a time (store.node_lock): the SQLite lease; PostgreSQL uses an
# advisory lock instead and never writes here.
node_locks = Table(
    "node_locks",
    metadata,
    Column("pubkey", String(66), primary_key=True, autoincrement=False),
    Column("holder", String(200), nullable=False),
    Column("acquired_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    _pk(),
    Column("name", String(80), nullable=False),
    Column("prefix", String(12), nullable=False),  # shown to operators to tell keys apart
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("scope", String(8), nullable=False),  # "read" | "admin"
    Column("created_at", BigInteger, nullable=False),
    Column("last_used_at", BigInteger, nullable=True),
    Column("revoked_at", BigInteger, nullable=True),
)

audit_log = Table(
    "audit_log",
    metadata,
    _pk(),
    Column("at", BigInteger, nullable=False, index=True),
    Column("actor", String(80), nullable=False),
    Column("action", String(80), nullable=False),
    Column("target", String(120), nullable=False),
    Column("details", Json, nullable=False),
)

sync_state = Table(
    "sync_state",
    metadata,
    Column("kind", String(32), primary_key=True),
    Column("synced_at", BigInteger, nullable=False),
    Column("high_water", BigInteger, nullable=True),
)

# On-chain wallet transactions (LND GetTransactions): the miner fees of opens, closes and sweeps.
chain_transactions = Table(
    "chain_transactions",
    metadata,
    Column("tx_hash", String(64), primary_key=True),
    Column("amount_sat", BigInteger, nullable=False),
    Column("total_fees_sat", BigInteger, nullable=False),
    Column("block_height", Integer, nullable=False),
    Column("time_stamp", BigInteger, nullable=False, index=True),
    Column("label", Text, nullable=False),
)

# Payments our node sent (LND ListPayments), upserted by hash: a retried payment keeps its hash.
ln_payments = Table(
    "ln_payments",
    metadata,
    Column("payment_hash", String(64), primary_key=True),
    Column("payment_index", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),
    Column("value_msat", BigInteger, nullable=False),
    Column("fee_msat", BigInteger, nullable=False),
    Column("created_at", BigInteger, nullable=False, index=True),
    Column("settled_at", BigInteger, nullable=False),
    Column("destination", String(66), nullable=False),
    Column("first_hop_chan_id", BigInteger, nullable=True),
    Column("last_hop_chan_id", BigInteger, nullable=True),
    Column("self_payment", Boolean, nullable=False),
)

# Settled invoices of our node (LND ListInvoices): what it was paid. Open ones are not kept.
ln_invoices = Table(
    "ln_invoices",
    metadata,
    Column("r_hash", String(64), primary_key=True),
    Column("add_index", BigInteger, nullable=False),
    Column("state", String(16), nullable=False),
    Column("value_msat", BigInteger, nullable=False),
    Column("amt_paid_msat", BigInteger, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("settled_at", BigInteger, nullable=False, index=True),
    Column("expiry_s", BigInteger, nullable=False),
    Column("memo", Text, nullable=False),
)

# HTLC failures from LND's SubscribeHtlcEvents (link_fail, forward_fail): LND never stores them.
htlc_failures = Table(
    "htlc_failures",
    metadata,
    _pk(),
    Column("timestamp_ns", BigInteger, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("incoming_chan_id", BigInteger, nullable=False),
    Column("outgoing_chan_id", BigInteger, nullable=False),
    Column("incoming_htlc_id", BigInteger, nullable=False),
    Column("outgoing_htlc_id", BigInteger, nullable=False),
    Column("incoming_amt_msat", BigInteger, nullable=True),
    Column("outgoing_amt_msat", BigInteger, nullable=True),
    Column("wire_failure", String(48), nullable=True),
    Column("failure_detail", String(48), nullable=True),
    Column("failure_string", Text, nullable=True),
    # An event seen twice is stored once (an incoming HTLC id is unique per channel; sends have 0).
    UniqueConstraint("timestamp_ns", "incoming_chan_id", "incoming_htlc_id"),
    Index(None, "outgoing_chan_id", "timestamp_ns"),
)

# When the HTLC subscription was connected: outside these windows failures are unknown (a gap).
htlc_windows = Table(
    "htlc_windows",
    metadata,
    _pk(),
    Column("started_at", BigInteger, nullable=False, index=True),
    Column("ended_at", BigInteger, nullable=True),
    Column("end_reason", Text, nullable=False, server_default=""),
)
