"""Rendering an event for each channel: Telegram HTML, plain text (email), JSON (webhooks)."""

from __future__ import annotations

import html
import re
from typing import Any

from lnpilot.notify.events import Event, Severity

TELEGRAM_MAX_CHARS = 4096  # sendMessage's limit on text after entity parsing
_ICON = {Severity.INFO: "ℹ️", Severity.WARNING: "⚠️", Severity.CRITICAL: "🚨"}
_PARTIAL_ENTITY = re.compile(r"&[#a-zA-Z0-9]*$")


def subject(event: Event) -> str:
    return f"[lnpilot] {event.severity.upper()}: {event.title}"


def plain_text(event: Event) -> str:
    lines = [event.title, "", event.body, ""]
    lines += [f"{name}: {value}" for name, value in event.fields]
    lines.append(f"at: {event.occurred_at.isoformat()}")
    return "\n".join(lines)


def telegram_html(event: Event, limit: int = TELEGRAM_MAX_CHARS) -> str:
    head = f"{_ICON[event.severity]} <b>{html.escape(event.title)}</b>\n"
    tail = "".join(f"\n<i>{html.escape(n)}</i>: {html.escape(v)}" for n, v in event.fields)
    tail += f"\n<i>at</i>: {html.escape(event.occurred_at.isoformat())}"
    body = html.escape(event.body)
    room = limit - len(head) - len(tail) - 1
    if len(body) > room:
        # Cut the escaped body, never inside an entity such as "&amp;", and mark the cut.
        body = _PARTIAL_ENTITY.sub("", body[: max(0, room - 1)]) + "…"
    return (head + body + tail)[:limit]


def json_payload(event: Event) -> dict[str, Any]:
    return {
        "event": str(event.kind),
        "severity": str(event.severity),
        "title": event.title,
        "body": event.body,
        "key": event.key,
        "occurred_at": event.occurred_at.isoformat(),
        "fields": dict(event.fields),
    }
