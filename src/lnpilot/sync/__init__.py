"""Sync job: pulls our node's state from the backend into the store."""

from lnpilot.sync.job import KINDS, SyncJob, SyncReport

__all__ = ["KINDS", "SyncJob", "SyncReport"]
