"""What lnpilot notifies about, as values: built by the daemon and executor, rendered per channel.

Each event carries a throttle ``key``: events with the same key are "similar" and an outage that
raises the same error every cycle sends one message, not one per cycle.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from lnpilot.errors import LnpilotError
from lnpilot.logs import redact_text


class EventKind(StrEnum):
    EXECUTION_FAILURE = "execution_failure"
    ROLLBACK = "rollback"
    DAEMON_ERROR = "daemon_error"
    SHADOW_REPORT = "shadow_report"
    SUPPRESSED_SUMMARY = "suppressed_summary"
    TEST = "test"  # `lnpilot notify test`


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


@dataclass(frozen=True, slots=True)
class Event:
    kind: EventKind
    severity: Severity
    title: str
    body: str
    occurred_at: datetime
    key: str
    fields: tuple[tuple[str, str], ...] = ()


def error_kind(error: BaseException) -> str:
    """A stable name for an error: the lnpilot error code, else the class name (never the message)."""
    return error.code if isinstance(error, LnpilotError) else type(error).__name__


def _error_text(error: BaseException) -> str:
    return redact_text(f"{error_kind(error)}: {error}")


def execution_failure(
    decision_type: str, channel: str, error: BaseException, now: datetime, tx_id: str | None = None
) -> Event:
    """An action the executor sent failed. Keyed by action type and error kind, not by channel:
    a node outage fails every channel the same way and should read as one incident."""
    fields = [("decision", decision_type), ("channel", channel), ("error", error_kind(error))]
    if tx_id is not None:
        fields.append(("transaction", tx_id))
    return Event(
        kind=EventKind.EXECUTION_FAILURE,
        severity=Severity.WARNING,
        title=f"{decision_type} failed on {channel}",
        body=_error_text(error),
        occurred_at=now,
        key=f"{EventKind.EXECUTION_FAILURE}:{decision_type}:{error_kind(error)}",
        fields=tuple(fields),
    )


def rollback(channel: str, reason: str, now: datetime, detail: str = "", tx_id: str | None = None) -> Event:
    """A policy change was rolled back; keyed by reason so a wave of rollbacks is one message."""
    fields = [("channel", channel), ("reason", reason)]
    if tx_id is not None:
        fields.append(("transaction", tx_id))
    return Event(
        kind=EventKind.ROLLBACK,
        severity=Severity.WARNING,
        title=f"rolled back the policy change on {channel}",
        body=redact_text(detail) if detail else f"reason: {reason}",
        occurred_at=now,
        key=f"{EventKind.ROLLBACK}:{reason}",
        fields=tuple(fields),
    )


def daemon_error(error: BaseException, now: datetime, where: str = "cycle") -> Event:
    return Event(
        kind=EventKind.DAEMON_ERROR,
        severity=Severity.CRITICAL,
        title=f"daemon error in {where}",
        body=_error_text(error),
        occurred_at=now,
        key=f"{EventKind.DAEMON_ERROR}:{where}:{error_kind(error)}",
        fields=(("where", where), ("error", error_kind(error))),
    )


def shadow_report(
    day: date, decisions_by_type: Mapping[str, int], highlights: Sequence[str], now: datetime
) -> Event:
    """The daily summary of what shadow mode would have done. One key per day: never throttled
    against another day's report."""
    total = sum(decisions_by_type.values())
    lines = [f"{count} x {kind}" for kind, count in sorted(decisions_by_type.items()) if count]
    if not lines:
        lines = ["no decisions"]
    body = "\n".join([*lines, *(f"- {redact_text(h)}" for h in highlights)])
    return Event(
        kind=EventKind.SHADOW_REPORT,
        severity=Severity.INFO,
        title=f"shadow report for {day.isoformat()}: {total} decisions",
        body=body,
        occurred_at=now,
        key=f"{EventKind.SHADOW_REPORT}:{day.isoformat()}",
        fields=(("day", day.isoformat()), ("decisions", str(total))),
    )


def suppressed_summary(sample: Event, count: int, first_at: datetime, now: datetime) -> Event:
    """Sent once the throttle window of ``sample.key`` reopens, if anything was held back."""
    noun = "event" if count == 1 else "events"
    return Event(
        kind=EventKind.SUPPRESSED_SUMMARY,
        severity=sample.severity,
        title=f"{count} similar {noun} suppressed",
        body=(
            f'{count} more "{sample.title}" {noun} ({sample.kind}) were not sent between '
            f"{first_at.isoformat()} and {now.isoformat()}."
        ),
        occurred_at=now,
        key=f"{EventKind.SUPPRESSED_SUMMARY}:{sample.key}",
        fields=(("suppressed", str(count)), ("event", str(sample.kind)), ("key", sample.key)),
    )
