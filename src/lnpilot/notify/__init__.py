"""Notifications: Telegram, signed webhooks, email; throttled per event key.

Build one :class:`Notifier` with ``Notifier.from_settings(settings.notify, metrics=...)`` and hand it
events from :mod:`lnpilot.notify.events` (see ``docs/observability.md`` for the call sites).
"""

from lnpilot.notify.base import Channel, NotificationError
from lnpilot.notify.events import (
    Event,
    EventKind,
    Severity,
    daemon_error,
    execution_failure,
    rollback,
    shadow_report,
)
from lnpilot.notify.notifier import Delivery, Notifier, channels_from_settings
from lnpilot.notify.smtp import EmailChannel
from lnpilot.notify.telegram import TelegramChannel
from lnpilot.notify.throttle import Throttle
from lnpilot.notify.webhook import WebhookChannel, sign, verify_signature

__all__ = [
    "Channel",
    "Delivery",
    "EmailChannel",
    "Event",
    "EventKind",
    "NotificationError",
    "Notifier",
    "Severity",
    "TelegramChannel",
    "Throttle",
    "WebhookChannel",
    "channels_from_settings",
    "daemon_error",
    "execution_failure",
    "rollback",
    "shadow_report",
    "sign",
    "verify_signature",
]
