"""Per-key throttling: within ``window_s`` of a sent event, events with the same key are held back
and counted; when the window has passed, one summary says how many were held back.

Pure: the caller passes ``now`` (the notifier reads its injected clock), so tests drive time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lnpilot.notify.events import Event, suppressed_summary


@dataclass
class _Window:
    opened_at: datetime
    suppressed: int = 0
    first_suppressed_at: datetime | None = None
    last_suppressed: Event | None = None


class Throttle:
    def __init__(self, window_s: float) -> None:
        if window_s < 0:
            raise ValueError("window_s must be >= 0")
        self.window_s = window_s
        self._windows: dict[str, _Window] = {}

    def admit(self, event: Event, now: datetime) -> bool:
        """True: send ``event`` (and open its key's window). False: it was counted as suppressed.

        Call :meth:`due` first with the same ``now`` so a closed window's summary goes out before
        the event that reopens it."""
        if self.window_s == 0:
            return True
        window = self._windows.get(event.key)
        if window is None or self._closed(window, now):
            self._windows[event.key] = _Window(opened_at=now)
            return True
        window.suppressed += 1
        window.last_suppressed = event
        if window.first_suppressed_at is None:
            window.first_suppressed_at = now
        return False

    def due(self, now: datetime) -> list[Event]:
        """Summaries of the windows that have closed with suppressed events; closed windows are dropped."""
        summaries: list[Event] = []
        for key, window in list(self._windows.items()):
            if not self._closed(window, now):
                continue
            del self._windows[key]
            if window.suppressed and window.last_suppressed is not None and window.first_suppressed_at:
                summaries.append(
                    suppressed_summary(
                        window.last_suppressed, window.suppressed, window.first_suppressed_at, now
                    )
                )
        return summaries

    def pending(self) -> int:
        """Events held back in windows that are still open."""
        return sum(w.suppressed for w in self._windows.values())

    def _closed(self, window: _Window, now: datetime) -> bool:
        return (now - window.opened_at).total_seconds() >= self.window_s
