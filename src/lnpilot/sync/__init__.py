"""Sync job: pulls our node's state from the backend into the store."""
