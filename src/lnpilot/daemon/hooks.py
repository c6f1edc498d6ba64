"""A test-only hook that holds the daemon inside a batch, so a test can signal it mid-cycle.

``LNPILOT_DAEMON_PAUSE_IN_BATCH=<seconds>:<marker path>``: before each policy update is sent the
daemon writes the marker file and sleeps that long. Unset in every real run.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any, cast

from lnpilot.backends.base import NodeBackend

PAUSE_ENV = "LNPILOT_DAEMON_PAUSE_IN_BATCH"


class _PausingBackend:
    def __init__(self, inner: NodeBackend, seconds: float, marker: Path) -> None:
        self._inner = inner
        self._seconds = seconds
        self._marker = marker

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def update_channel_policy(self, channel_point: str, policy: Any) -> Any:
        self._marker.write_text(channel_point)
        await asyncio.sleep(self._seconds)
        return await self._inner.update_channel_policy(channel_point, policy)


def maybe_pausing(backend: NodeBackend) -> NodeBackend:
    spec = os.environ.get(PAUSE_ENV)
    if not spec:
        return backend
    seconds, _, marker = spec.partition(":")
    return cast(NodeBackend, _PausingBackend(backend, float(seconds), Path(marker)))
