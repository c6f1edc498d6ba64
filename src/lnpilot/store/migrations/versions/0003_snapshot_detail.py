"""Channel snapshots keep the whole channel record (reserves, commit fee, totals, pending HTLCs).

Revision ID: 0003_snapshot
Revises: 0002_chain
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003_snapshot"
down_revision = "0002_chain"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("channel_snapshots", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("detail", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("channel_snapshots", schema=None) as batch_op:
        batch_op.drop_column("detail")
