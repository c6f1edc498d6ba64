"""``--day D`` / ``--since T`` -> a [since, until) window in Unix seconds (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from lnpilot.errors import InvalidInputError

_DAY_S = 86_400


def parse_time(text: str) -> int:
    """Unix seconds, or an ISO date / date-time (UTC unless it carries an offset)."""
    text = text.strip()
    if text.lstrip("-").isdigit():
        return int(text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInputError(f"not a time: {text!r} (Unix seconds or ISO 8601, e.g. 2025-01-14)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def window(now: int, day: str | None = None, since: str | None = None) -> tuple[int, int]:
    """One UTC day, or from ``since`` to now; neither: the last 24 hours."""
    if day is not None and since is not None:
        raise InvalidInputError("give either --day or --since, not both")
    if day is not None:
        try:
            start = datetime.combine(date.fromisoformat(day), datetime.min.time(), UTC)
        except ValueError:
            raise InvalidInputError(f"--day must be a date like 2025-01-14, not {day!r}") from None
        return int(start.timestamp()), int(start.timestamp()) + _DAY_S
    if since is not None:
        start_s = parse_time(since)
        if start_s >= now:
            raise InvalidInputError("--since must be in the past")
        return start_s, now + 1
    return now - _DAY_S, now + 1
