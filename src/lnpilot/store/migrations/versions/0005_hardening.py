"""Issue 17: the node lock (``node_locks``), rebalance spend in the validation history, compact
score history; the unused ``blacklist`` table dropped (the blacklist lives in settings, where the
engine and the validator read it; ``channel_overrides`` is set from the web UI and read by the
pipeline).

Revision ID: 0005_hardening
Revises: 0004_htlc
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005_hardening"
down_revision = "0004_htlc"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "node_locks",
        sa.Column("pubkey", sa.String(length=66), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("acquired_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("pubkey", name=op.f("pk_node_locks")),
    )
    with op.batch_alter_table("validation_history", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cost_msat", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("score_history", schema=None) as batch_op:
        batch_op.drop_column("heuristics")
    op.drop_table("blacklist")


def downgrade() -> None:
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
    with op.batch_alter_table("score_history", schema=None) as batch_op:
        batch_op.add_column(sa.Column("heuristics", _JSON, nullable=False, server_default="{}"))
    with op.batch_alter_table("validation_history", schema=None) as batch_op:
        batch_op.drop_column("cost_msat")
    op.drop_table("node_locks")
