"""HTLC failures from LND's HTLC event stream, and the windows the subscription covered.

Revision ID: 0004_htlc
Revises: 0003_snapshot
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_htlc"
down_revision = "0003_snapshot"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "htlc_failures",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("timestamp_ns", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("incoming_chan_id", sa.BigInteger(), nullable=False),
        sa.Column("outgoing_chan_id", sa.BigInteger(), nullable=False),
        sa.Column("incoming_htlc_id", sa.BigInteger(), nullable=False),
        sa.Column("outgoing_htlc_id", sa.BigInteger(), nullable=False),
        sa.Column("incoming_amt_msat", sa.BigInteger(), nullable=True),
        sa.Column("outgoing_amt_msat", sa.BigInteger(), nullable=True),
        sa.Column("wire_failure", sa.String(length=48), nullable=True),
        sa.Column("failure_detail", sa.String(length=48), nullable=True),
        sa.Column("failure_string", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_htlc_failures")),
        sa.UniqueConstraint(
            "timestamp_ns",
            "incoming_chan_id",
            "incoming_htlc_id",
            name=op.f("uq_htlc_failures_timestamp_ns_incoming_chan_id_incoming_htlc_id"),
        ),
    )
    with op.batch_alter_table("htlc_failures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_htlc_failures_outgoing_chan_id_timestamp_ns"),
            ["outgoing_chan_id", "timestamp_ns"],
            unique=False,
        )
    op.create_table(
        "htlc_windows",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("started_at", sa.BigInteger(), nullable=False),
        sa.Column("ended_at", sa.BigInteger(), nullable=True),
        sa.Column("end_reason", sa.Text(), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_htlc_windows")),
    )
    with op.batch_alter_table("htlc_windows", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_htlc_windows_started_at"), ["started_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("htlc_windows", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_htlc_windows_started_at"))
    op.drop_table("htlc_windows")
    with op.batch_alter_table("htlc_failures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_htlc_failures_outgoing_chan_id_timestamp_ns"))
    op.drop_table("htlc_failures")
