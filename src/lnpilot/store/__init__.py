"""Persistence (SQL via SQLAlchemy, migrated by Alembic) and caches.

Nothing outside this package writes SQL: open a ``Store`` and work through ``unit_of_work()``.
"""

from lnpilot.store.store import PruneReport, Store
from lnpilot.store.uow import UnitOfWork

__all__ = ["PruneReport", "Store", "UnitOfWork"]
