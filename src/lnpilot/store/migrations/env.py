"""Alembic environment: the work is done in ``lnpilot.store.migrate.run_env``."""

from lnpilot.store.migrate import run_env

run_env()
