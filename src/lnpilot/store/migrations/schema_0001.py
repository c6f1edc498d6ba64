"""Operations of revision 0001 (initial schema: every table of ``lnpilot.store.tables``).

Kept as an ordinary module, imported by ``versions/0001_initial_schema.py``, so that it runs under
its package name (Alembic loads revision files under names of its own).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("last_used_at", sa.BigInteger(), nullable=True),
        sa.Column("revoked_at", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
    )
    op.create_table(
        "audit_log",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("action", sa.String(length=80), nullable=False),
        sa.Column("target", sa.String(length=120), nullable=False),
        sa.Column(
            "details",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)

    op.create_table(
        "blacklist",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("value", sa.String(length=66), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("added_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blacklist")),
        sa.UniqueConstraint("kind", "value", name=op.f("uq_blacklist_kind_value")),
    )
    op.create_table(
        "channel_overrides",
        sa.Column("chan_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("pin", sa.Boolean(), nullable=False),
        sa.Column("exclude", sa.Boolean(), nullable=False),
        sa.Column("fee_rate_min_ppm", sa.Integer(), nullable=True),
        sa.Column("fee_rate_max_ppm", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("chan_id", name=op.f("pk_channel_overrides")),
    )
    op.create_table(
        "channel_snapshots",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("chan_id", sa.BigInteger(), nullable=False),
        sa.Column("taken_at", sa.BigInteger(), nullable=False),
        sa.Column("local_balance_sat", sa.BigInteger(), nullable=False),
        sa.Column("remote_balance_sat", sa.BigInteger(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("capacity_sat", sa.BigInteger(), nullable=False),
        sa.Column("uptime_s", sa.BigInteger(), nullable=True),
        sa.Column("lifetime_s", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_snapshots")),
    )
    with op.batch_alter_table("channel_snapshots", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_channel_snapshots_chan_id_taken_at"), ["chan_id", "taken_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_channel_snapshots_taken_at"), ["taken_at"], unique=False)

    op.create_table(
        "channels",
        sa.Column("chan_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("channel_point", sa.String(length=80), nullable=False),
        sa.Column("remote_pubkey", sa.String(length=66), nullable=False),
        sa.Column("capacity_sat", sa.BigInteger(), nullable=False),
        sa.Column("private", sa.Boolean(), nullable=False),
        sa.Column("initiator", sa.Boolean(), nullable=False),
        sa.Column("first_seen_at", sa.BigInteger(), nullable=False),
        sa.Column("last_seen_at", sa.BigInteger(), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("close_height", sa.Integer(), nullable=True),
        sa.Column("close_type", sa.String(length=40), nullable=True),
        sa.Column("closing_tx_hash", sa.String(length=64), nullable=True),
        sa.Column("settled_balance_sat", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("chan_id", name=op.f("pk_channels")),
    )
    with op.batch_alter_table("channels", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_channels_remote_pubkey"), ["remote_pubkey"], unique=False)

    op.create_table(
        "decisions",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("chan_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "params",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "reasons",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("profile", sa.String(length=32), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("would_execute", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
    )
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_decisions_chan_id_created_at"), ["chan_id", "created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_decisions_created_at"), ["created_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_decisions_type_created_at"), ["type", "created_at"], unique=False
        )

    op.create_table(
        "forwarding_events",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("timestamp_ns", sa.BigInteger(), nullable=False),
        sa.Column("chan_id_in", sa.BigInteger(), nullable=False),
        sa.Column("chan_id_out", sa.BigInteger(), nullable=False),
        sa.Column("amt_in_msat", sa.BigInteger(), nullable=False),
        sa.Column("amt_out_msat", sa.BigInteger(), nullable=False),
        sa.Column("fee_msat", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forwarding_events")),
        sa.UniqueConstraint(
            "timestamp_ns",
            "chan_id_in",
            "chan_id_out",
            "amt_in_msat",
            "amt_out_msat",
            name=op.f("uq_forwarding_events_timestamp_ns_chan_id_in_chan_id_out_amt_in_msat_amt_out_msat"),
        ),
    )
    with op.batch_alter_table("forwarding_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_forwarding_events_chan_id_in_timestamp_ns"),
            ["chan_id_in", "timestamp_ns"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_forwarding_events_chan_id_out_timestamp_ns"),
            ["chan_id_out", "timestamp_ns"],
            unique=False,
        )

    op.create_table(
        "graph_snapshots",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("taken_at", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("node_count", sa.Integer(), nullable=False),
        sa.Column("channel_count", sa.Integer(), nullable=False),
        sa.Column("total_capacity_sat", sa.BigInteger(), nullable=False),
        sa.Column("raw_gz", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_graph_snapshots")),
    )
    with op.batch_alter_table("graph_snapshots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_graph_snapshots_taken_at"), ["taken_at"], unique=False)

    op.create_table(
        "policy_changes",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("chan_id", sa.BigInteger(), nullable=False),
        sa.Column("changed_at", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column(
            "old_policy",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "new_policy",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_changes")),
    )
    with op.batch_alter_table("policy_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_policy_changes_chan_id_changed_at"), ["chan_id", "changed_at"], unique=False
        )

    op.create_table(
        "score_history",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("subject_kind", sa.String(length=8), nullable=False),
        sa.Column("subject", sa.String(length=66), nullable=False),
        sa.Column("profile", sa.String(length=32), nullable=False),
        sa.Column("computed_at", sa.BigInteger(), nullable=False),
        sa.Column("composite", sa.Float(), nullable=True),
        sa.Column("coverage", sa.Float(), nullable=False),
        sa.Column("h_centrality", sa.Float(), nullable=True),
        sa.Column("h_liquidity", sa.Float(), nullable=True),
        sa.Column("h_activity", sa.Float(), nullable=True),
        sa.Column("h_competitiveness", sa.Float(), nullable=True),
        sa.Column("h_reliability", sa.Float(), nullable=True),
        sa.Column("h_age_stability", sa.Float(), nullable=True),
        sa.Column("h_peer_quality", sa.Float(), nullable=True),
        sa.Column("h_network_position", sa.Float(), nullable=True),
        sa.Column(
            "heuristics",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_score_history")),
    )
    with op.batch_alter_table("score_history", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_score_history_computed_at"), ["computed_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_score_history_subject_kind_subject_computed_at"),
            ["subject_kind", "subject", "computed_at"],
            unique=False,
        )

    op.create_table(
        "scores_latest",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("subject_kind", sa.String(length=8), nullable=False),
        sa.Column("subject", sa.String(length=66), nullable=False),
        sa.Column("profile", sa.String(length=32), nullable=False),
        sa.Column("computed_at", sa.BigInteger(), nullable=False),
        sa.Column("composite", sa.Float(), nullable=True),
        sa.Column("coverage", sa.Float(), nullable=False),
        sa.Column("h_centrality", sa.Float(), nullable=True),
        sa.Column("h_liquidity", sa.Float(), nullable=True),
        sa.Column("h_activity", sa.Float(), nullable=True),
        sa.Column("h_competitiveness", sa.Float(), nullable=True),
        sa.Column("h_reliability", sa.Float(), nullable=True),
        sa.Column("h_age_stability", sa.Float(), nullable=True),
        sa.Column("h_peer_quality", sa.Float(), nullable=True),
        sa.Column("h_network_position", sa.Float(), nullable=True),
        sa.Column(
            "heuristics",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scores_latest")),
        sa.UniqueConstraint(
            "subject_kind", "subject", "profile", name=op.f("uq_scores_latest_subject_kind_subject_profile")
        ),
    )
    with op.batch_alter_table("scores_latest", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_scores_latest_subject_kind_profile_composite"),
            ["subject_kind", "profile", "composite"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_scores_latest_subject_kind_profile_h_activity"),
            ["subject_kind", "profile", "h_activity"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_scores_latest_subject_kind_profile_h_age_stability"),
            ["subject_kind", "profile", "h_age_stability"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_scores_latest_subject_kind_profile_h_centrality"),
            ["subject_kind", "profile", "h_centrality"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_scores_latest_subject_kind_profile_h_competitiveness"),
            ["subject_kind", "profile", "h_competitiveness"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_scores_latest_subject_kind_profile_h_liquidity"),
            ["subject_kind", "profile", "h_liquidity"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_scores_latest_subject_kind_profile_h_network_position"),
            ["subject_kind", "profile", "h_network_position"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_scores_latest_subject_kind_profile_h_peer_quality"),
            ["subject_kind", "profile", "h_peer_quality"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_scores_latest_subject_kind_profile_h_reliability"),
            ["subject_kind", "profile", "h_reliability"],
            unique=False,
        )

    op.create_table(
        "sync_state",
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("synced_at", sa.BigInteger(), nullable=False),
        sa.Column("high_water", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("kind", name=op.f("pk_sync_state")),
    )
    op.create_table(
        "validation_history",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("chan_id", sa.BigInteger(), nullable=False),
        sa.Column("peer_pubkey", sa.String(length=66), nullable=True),
        sa.Column("changed_at", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("tx_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_validation_history")),
    )
    with op.batch_alter_table("validation_history", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_validation_history_chan_id_changed_at"), ["chan_id", "changed_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_validation_history_changed_at"), ["changed_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_validation_history_peer_pubkey_changed_at"),
            ["peer_pubkey", "changed_at"],
            unique=False,
        )

    op.create_table(
        "decision_reviews",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("decision_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("agree", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("reviewed_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decisions.id"],
            name=op.f("fk_decision_reviews_decision_id_decisions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_reviews")),
    )
    with op.batch_alter_table("decision_reviews", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_decision_reviews_decision_id"), ["decision_id"], unique=False)

    op.create_table(
        "node_metrics",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("snapshot_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("pub_key", sa.String(length=66), nullable=False),
        sa.Column("computed_at", sa.BigInteger(), nullable=False),
        sa.Column("degree", sa.Integer(), nullable=False),
        sa.Column("channel_count", sa.Integer(), nullable=False),
        sa.Column("total_capacity_sat", sa.BigInteger(), nullable=False),
        sa.Column("betweenness", sa.Float(), nullable=False),
        sa.Column("betweenness_norm", sa.Float(), nullable=False),
        sa.Column("routing_betweenness", sa.Float(), nullable=False),
        sa.Column("routing_betweenness_norm", sa.Float(), nullable=False),
        sa.Column("closeness", sa.Float(), nullable=False),
        sa.Column("pagerank", sa.Float(), nullable=False),
        sa.Column("median_out_fee_ppm", sa.Float(), nullable=True),
        sa.Column("median_in_fee_ppm", sa.Float(), nullable=True),
        sa.Column("disabled_share", sa.Float(), nullable=True),
        sa.Column("mean_channel_age_blocks", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["graph_snapshots.id"],
            name=op.f("fk_node_metrics_snapshot_id_graph_snapshots"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_node_metrics")),
        sa.UniqueConstraint("snapshot_id", "pub_key", name=op.f("uq_node_metrics_snapshot_id_pub_key")),
    )
    with op.batch_alter_table("node_metrics", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_node_metrics_pub_key_computed_at"), ["pub_key", "computed_at"], unique=False
        )

    op.create_table(
        "transactions",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decision_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decisions.id"],
            name=op.f("fk_transactions_decision_id_decisions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transactions")),
    )
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_transactions_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_transactions_status"), ["status"], unique=False)

    op.create_table(
        "transaction_items",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("tx_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("chan_id", sa.BigInteger(), nullable=False),
        sa.Column("channel_point", sa.String(length=80), nullable=False),
        sa.Column(
            "backup_policy",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "requested_policy",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "result",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["tx_id"],
            ["transactions.id"],
            name=op.f("fk_transaction_items_tx_id_transactions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transaction_items")),
    )
    with op.batch_alter_table("transaction_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_transaction_items_tx_id"), ["tx_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("transaction_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transaction_items_tx_id"))

    op.drop_table("transaction_items")
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transactions_status"))
        batch_op.drop_index(batch_op.f("ix_transactions_created_at"))

    op.drop_table("transactions")
    with op.batch_alter_table("node_metrics", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_node_metrics_pub_key_computed_at"))

    op.drop_table("node_metrics")
    with op.batch_alter_table("decision_reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decision_reviews_decision_id"))

    op.drop_table("decision_reviews")
    with op.batch_alter_table("validation_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_validation_history_peer_pubkey_changed_at"))
        batch_op.drop_index(batch_op.f("ix_validation_history_changed_at"))
        batch_op.drop_index(batch_op.f("ix_validation_history_chan_id_changed_at"))

    op.drop_table("validation_history")
    op.drop_table("sync_state")
    with op.batch_alter_table("scores_latest", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scores_latest_subject_kind_profile_h_reliability"))
        batch_op.drop_index(batch_op.f("ix_scores_latest_subject_kind_profile_h_peer_quality"))
        batch_op.drop_index(batch_op.f("ix_scores_latest_subject_kind_profile_h_network_position"))
        batch_op.drop_index(batch_op.f("ix_scores_latest_subject_kind_profile_h_liquidity"))
        batch_op.drop_index(batch_op.f("ix_scores_latest_subject_kind_profile_h_competitiveness"))
        batch_op.drop_index(batch_op.f("ix_scores_latest_subject_kind_profile_h_centrality"))
        batch_op.drop_index(batch_op.f("ix_scores_latest_subject_kind_profile_h_age_stability"))
        batch_op.drop_index(batch_op.f("ix_scores_latest_subject_kind_profile_h_activity"))
        batch_op.drop_index(batch_op.f("ix_scores_latest_subject_kind_profile_composite"))

    op.drop_table("scores_latest")
    with op.batch_alter_table("score_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_score_history_subject_kind_subject_computed_at"))
        batch_op.drop_index(batch_op.f("ix_score_history_computed_at"))

    op.drop_table("score_history")
    with op.batch_alter_table("policy_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policy_changes_chan_id_changed_at"))

    op.drop_table("policy_changes")
    with op.batch_alter_table("graph_snapshots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_graph_snapshots_taken_at"))

    op.drop_table("graph_snapshots")
    with op.batch_alter_table("forwarding_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_forwarding_events_chan_id_out_timestamp_ns"))
        batch_op.drop_index(batch_op.f("ix_forwarding_events_chan_id_in_timestamp_ns"))

    op.drop_table("forwarding_events")
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decisions_type_created_at"))
        batch_op.drop_index(batch_op.f("ix_decisions_created_at"))
        batch_op.drop_index(batch_op.f("ix_decisions_chan_id_created_at"))

    op.drop_table("decisions")
    with op.batch_alter_table("channels", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_channels_remote_pubkey"))

    op.drop_table("channels")
    with op.batch_alter_table("channel_snapshots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_channel_snapshots_taken_at"))
        batch_op.drop_index(batch_op.f("ix_channel_snapshots_chan_id_taken_at"))

    op.drop_table("channel_snapshots")
    op.drop_table("channel_overrides")
    op.drop_table("blacklist")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_at"))

    op.drop_table("audit_log")
    op.drop_table("api_keys")
