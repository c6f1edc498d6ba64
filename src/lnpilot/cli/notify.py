"""``lnpilot notify``: list the configured channels and send a test message through them."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import typer

from lnpilot.cli.common import console, settings_from_env
from lnpilot.errors import ConfigError
from lnpilot.notify import Delivery, Event, EventKind, NotificationError, Notifier, Severity

app = typer.Typer(help="Notifications: configured channels and a test message.", no_args_is_help=True)


@app.command("channels")
def channels() -> None:
    """Print the channels the [notify] settings configure (one per line)."""
    notifier = Notifier.from_settings(settings_from_env().notify)
    if not notifier.channel_names:
        console.print("no notification channel configured")
    for name in notifier.channel_names:
        console.print(name)


@app.command("test")
def test() -> None:
    """Send one test message through every configured channel; exit 1 if any channel failed."""
    notifier = Notifier.from_settings(settings_from_env().notify, clock=lambda: datetime.now(UTC))
    if not notifier.channel_names:
        raise ConfigError("no notification channel configured (see the [notify] settings)")
    _report(asyncio.run(_send(notifier)), len(notifier.channels))


def _report(delivery: Delivery, channels: int) -> None:
    for name in delivery.sent:
        console.print(f"{name}: sent")
    for name, error in delivery.failed:
        console.print(f"{name}: failed ({error})", markup=False)
    if delivery.failed:
        raise NotificationError(f"{len(delivery.failed)} of {channels} channels failed")


async def _send(notifier: Notifier) -> Delivery:
    event = Event(
        kind=EventKind.TEST,
        severity=Severity.INFO,
        title="lnpilot test notification",
        body="If you read this, lnpilot can reach you on this channel.",
        occurred_at=datetime.now(UTC),
        key="test",
    )
    try:
        return await notifier.notify(event)
    finally:
        await notifier.aclose()
