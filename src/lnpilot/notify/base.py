"""The channel protocol, its error, and the retry schedule the HTTP channels share."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Protocol, runtime_checkable

from lnpilot.errors import LnpilotError
from lnpilot.notify.events import Event

Sleep = Callable[[float], Awaitable[None]]


class NotificationError(LnpilotError):
    """A channel could not deliver a message. Messages never carry tokens, URLs or passwords."""

    code = "notification-failed"


@runtime_checkable
class Channel(Protocol):
    @property
    def name(self) -> str: ...

    async def send(self, event: Event) -> None:
        """Deliver ``event`` or raise :class:`NotificationError`."""
        ...

    async def aclose(self) -> None: ...


def backoff_delays(attempts: int, base_s: float, cap_s: float) -> list[float]:
    """Sleeps between ``attempts`` tries: base, 2*base, 4*base, ... each capped at ``cap_s``."""
    return [min(cap_s, base_s * 2**i) for i in range(max(0, attempts - 1))]


async def real_sleep(seconds: float) -> None:
    await asyncio.sleep(seconds)


def retry_after_s(value: str | None) -> float | None:
    """A ``Retry-After`` header in seconds (the HTTP-date form is not used by the services we call)."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return seconds if seconds >= 0 else None
