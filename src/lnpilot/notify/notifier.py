"""The notifier: throttles events, fans them out to the configured channels, never raises.

A failed notification is logged and counted; it must not break the daemon cycle or the executor
that reported the event.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from lnpilot.errors import ConfigError
from lnpilot.logs import get_logger, redact_text
from lnpilot.metrics.registry import Metrics
from lnpilot.notify.base import Channel, NotificationError
from lnpilot.notify.events import Event
from lnpilot.notify.smtp import EmailChannel
from lnpilot.notify.telegram import TelegramChannel
from lnpilot.notify.throttle import Throttle
from lnpilot.notify.webhook import WebhookChannel
from lnpilot.settings import NotifySettings

log = get_logger("lnpilot.notify")


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Delivery:
    """What happened to one event: ``suppressed`` (throttled), else per-channel outcome."""

    event: Event
    suppressed: bool
    sent: tuple[str, ...] = ()
    failed: tuple[tuple[str, str], ...] = ()  # (channel, error message)


class Notifier:
    def __init__(
        self,
        channels: Sequence[Channel],
        throttle_seconds: float,
        *,
        clock: Callable[[], datetime] = _utcnow,
        metrics: Metrics | None = None,
    ) -> None:
        self.channels = tuple(channels)
        self.throttle = Throttle(throttle_seconds)
        self._clock = clock
        self._metrics = metrics

    @classmethod
    def from_settings(
        cls,
        settings: NotifySettings,
        *,
        metrics: Metrics | None = None,
        clock: Callable[[], datetime] = _utcnow,
        http_client: httpx.AsyncClient | None = None,
    ) -> Notifier:
        """Only the channels whose settings are complete; a half-configured channel is an error."""
        return cls(
            channels_from_settings(settings, http_client),
            settings.throttle_seconds,
            clock=clock,
            metrics=metrics,
        )

    @property
    def channel_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.channels)

    async def notify(self, event: Event) -> Delivery:
        """Send ``event`` unless a similar one went out within the throttle window. Summaries of
        windows that have closed are sent first."""
        now = self._clock()
        for summary in self.throttle.due(now):
            await self._deliver(summary)
        if not self.throttle.admit(event, now):
            if self._metrics is not None:
                self._metrics.record_notification_suppressed(str(event.kind))
            log.debug("notification suppressed", kind=str(event.kind), key=event.key)
            return Delivery(event=event, suppressed=True)
        return await self._deliver(event)

    async def flush(self) -> list[Delivery]:
        """Send the summaries of closed windows; call once per daemon cycle so a summary goes out
        even when the incident stopped and no new event reopens the window."""
        return [await self._deliver(summary) for summary in self.throttle.due(self._clock())]

    async def _deliver(self, event: Event) -> Delivery:
        if not self.channels:
            return Delivery(event=event, suppressed=False)
        results = await asyncio.gather(*(c.send(event) for c in self.channels), return_exceptions=True)
        sent: list[str] = []
        failed: list[tuple[str, str]] = []
        for channel, result in zip(self.channels, results, strict=True):
            if isinstance(result, BaseException):
                if not isinstance(result, Exception):
                    raise result  # cancellation and exit signals are not delivery failures
                message = str(result) if isinstance(result, NotificationError) else type(result).__name__
                failed.append((channel.name, redact_text(message)))
                log.warning("notification failed", channel=channel.name, kind=str(event.kind), error=message)
            else:
                sent.append(channel.name)
            if self._metrics is not None:
                self._metrics.record_notification(channel.name, ok=not isinstance(result, BaseException))
        return Delivery(event=event, suppressed=False, sent=tuple(sent), failed=tuple(failed))

    async def aclose(self) -> None:
        for channel in self.channels:
            await channel.aclose()


def channels_from_settings(
    settings: NotifySettings, http_client: httpx.AsyncClient | None = None
) -> list[Channel]:
    channels: list[Channel] = []
    token = settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else None
    if token or settings.telegram_chat_id:
        if not (token and settings.telegram_chat_id):
            raise ConfigError("notify: telegram needs both telegram_bot_token and telegram_chat_id")
        channels.append(
            TelegramChannel(token, settings.telegram_chat_id, settings.telegram_api_url, client=http_client)
        )
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    if settings.webhook_url:
        if not secret:
            raise ConfigError(
                "notify: webhook_url needs webhook_secret (receivers verify the HMAC signature)"
            )
        channels.append(WebhookChannel(settings.webhook_url, secret, client=http_client))
    if settings.smtp_host or settings.email_to:
        if not (settings.smtp_host and settings.email_from and settings.email_to):
            raise ConfigError("notify: email needs smtp_host, email_from and email_to")
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        if password is not None and settings.smtp_username is None:
            raise ConfigError("notify: smtp_password needs smtp_username")
        channels.append(
            EmailChannel(
                settings.smtp_host,
                settings.smtp_port,
                settings.email_from,
                settings.email_to,
                username=settings.smtp_username,
                password=password,
            )
        )
    return channels
