"""On-chain wallet transactions (miner fees of opens, closes and sweeps) for the P&L.

Revision ID: 0002_chain
Revises: 0001
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_chain"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chain_transactions",
        sa.Column("tx_hash", sa.String(length=64), nullable=False),
        sa.Column("amount_sat", sa.BigInteger(), nullable=False),
        sa.Column("total_fees_sat", sa.BigInteger(), nullable=False),
        sa.Column("block_height", sa.Integer(), nullable=False),
        sa.Column("time_stamp", sa.BigInteger(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("tx_hash", name=op.f("pk_chain_transactions")),
    )
    with op.batch_alter_table("chain_transactions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chain_transactions_time_stamp"), ["time_stamp"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("chain_transactions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chain_transactions_time_stamp"))
    op.drop_table("chain_transactions")
