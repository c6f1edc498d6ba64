"""Initial schema: every table of lnpilot.store.tables.

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-24
"""

from lnpilot.store.migrations.schema_0001 import downgrade, upgrade

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

__all__ = ["downgrade", "upgrade"]
