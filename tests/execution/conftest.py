"""A transaction log on a fresh SQLite store per test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from lnpilot.store import Store
from lnpilot.store.repos.transaction_log import SqlTransactionLog


@pytest.fixture
async def txlog(tmp_path: Path) -> AsyncIterator[SqlTransactionLog]:
    store = await Store.open_url(f"sqlite+aiosqlite:///{tmp_path / 'exec.db'}")
    try:
        yield SqlTransactionLog(store)
    finally:
        await store.close()


@pytest.fixture(autouse=True)
def _logging_to_real_stderr() -> None:
    """CLI tests elsewhere bind logging to a capture stream that is closed afterwards; rebind it."""
    import sys

    from lnpilot.logs import configure_logging

    configure_logging("console", "INFO", stream=sys.__stderr__)
