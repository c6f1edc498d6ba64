"""Payments sent and invoices paid (LND ListPayments / ListInvoices) for the ledger and the P&L.

Revision ID: 0006_payments
Revises: 0005_hardening
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_payments"
down_revision = "0005_hardening"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ln_payments",
        sa.Column("payment_hash", sa.String(length=64), nullable=False),
        sa.Column("payment_index", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("value_msat", sa.BigInteger(), nullable=False),
        sa.Column("fee_msat", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("settled_at", sa.BigInteger(), nullable=False),
        sa.Column("destination", sa.String(length=66), nullable=False),
        sa.Column("first_hop_chan_id", sa.BigInteger(), nullable=True),
        sa.Column("last_hop_chan_id", sa.BigInteger(), nullable=True),
        sa.Column("self_payment", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("payment_hash", name=op.f("pk_ln_payments")),
    )
    with op.batch_alter_table("ln_payments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ln_payments_created_at"), ["created_at"], unique=False)
    op.create_table(
        "ln_invoices",
        sa.Column("r_hash", sa.String(length=64), nullable=False),
        sa.Column("add_index", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("value_msat", sa.BigInteger(), nullable=False),
        sa.Column("amt_paid_msat", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("settled_at", sa.BigInteger(), nullable=False),
        sa.Column("expiry_s", sa.BigInteger(), nullable=False),
        sa.Column("memo", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("r_hash", name=op.f("pk_ln_invoices")),
    )
    with op.batch_alter_table("ln_invoices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ln_invoices_settled_at"), ["settled_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ln_invoices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ln_invoices_settled_at"))
    op.drop_table("ln_invoices")
    with op.batch_alter_table("ln_payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ln_payments_created_at"))
    op.drop_table("ln_payments")
