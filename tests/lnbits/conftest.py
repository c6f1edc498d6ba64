"""Leave global logging as it was found.

CLI commands configure structlog and the root logger with the ``sys.stderr`` of the moment,
which under pytest is a capture file closed after the test; later tests would then log into a
closed file.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
import structlog


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    structlog_config = structlog.get_config()
    yield
    structlog.configure(**structlog_config)
    root.handlers = handlers
    root.setLevel(level)
