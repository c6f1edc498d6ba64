"""The sync suite reuses the store suite's databases: every test runs on SQLite and PostgreSQL."""

from tests.store.conftest import cli_logging, database_url, pg_database_url, store

__all__ = ["cli_logging", "database_url", "pg_database_url", "store"]
