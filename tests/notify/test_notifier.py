from __future__ import annotations

import asyncio
import io
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from lnpilot.backends.base import BackendUnavailable
from lnpilot.errors import ConfigError
from lnpilot.logs import configure_logging
from lnpilot.metrics import Metrics, render
from lnpilot.notify import EventKind, Notifier, daemon_error, execution_failure, rollback, shadow_report
from lnpilot.notify.events import Event
from lnpilot.settings import NotifySettings
from tests.notify.wire_servers import Scripted, TelegramBotApi, WebhookReceiver

TOKEN = "555111:AAH-notifier-t0ken-qwertyuiop"
SECRET = "hook-secret-for-notifier-tests"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def _samples(m: Metrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    body, _ = render(m)
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for f in text_string_to_metric_families(body.decode())
        for s in f.samples
    }


async def test_an_outage_reaches_each_channel_once_then_as_one_summary() -> None:
    clock, metrics = Clock(), Metrics()
    with TelegramBotApi(TOKEN, {"99"}) as bot, WebhookReceiver(SECRET) as hook:
        settings = NotifySettings(
            telegram_bot_token=TOKEN,
            telegram_chat_id="99",
            telegram_api_url=bot.url,
            webhook_url=hook.url + "/lnpilot",
            webhook_secret=SECRET,
            throttle_seconds=900,
        )
        async with httpx.AsyncClient(timeout=5) as client:
            notifier = Notifier.from_settings(settings, metrics=metrics, clock=clock, http_client=client)
            assert notifier.channel_names == ("telegram", "webhook")
            deliveries = []
            for _ in range(1000):
                deliveries.append(
                    await notifier.notify(daemon_error(BackendUnavailable("node down"), clock()))
                )
                clock.advance(0.5)
            assert [d.suppressed for d in deliveries].count(False) == 1
            assert deliveries[0].sent == ("telegram", "webhook")
            assert await notifier.flush() == []  # window still open
            clock.advance(900)
            (summary,) = await notifier.flush()
            await notifier.aclose()
    assert summary.event.title == "999 similar events suppressed" and summary.sent == ("telegram", "webhook")
    assert len(bot.received) == 2 and len(hook.verified) == 2
    assert [p["event"] for p in hook.verified] == ["daemon_error", "suppressed_summary"]
    assert "999 similar events suppressed" in bot.received[1].json()["text"]
    s = _samples(metrics)
    assert s[("lnpilot_notifications_suppressed_total", (("event", "daemon_error"),))] == 999
    assert s[("lnpilot_notifications_total", (("channel", "telegram"), ("outcome", "sent")))] == 2
    assert s[("lnpilot_notifications_total", (("channel", "webhook"), ("outcome", "sent")))] == 2


async def test_summary_goes_out_before_the_event_that_reopens_the_window() -> None:
    clock = Clock()
    with WebhookReceiver(SECRET) as hook:
        notifier = Notifier.from_settings(
            NotifySettings(webhook_url=hook.url, webhook_secret=SECRET, throttle_seconds=60), clock=clock
        )
        for _ in range(3):
            await notifier.notify(rollback("1x1x1", "forward_drop", clock()))
        clock.advance(61)
        await notifier.notify(rollback("2x2x2", "forward_drop", clock()))
        await notifier.aclose()
    assert [(p["event"], p["title"]) for p in hook.verified] == [
        ("rollback", "rolled back the policy change on 1x1x1"),
        ("suppressed_summary", "2 similar events suppressed"),
        ("rollback", "rolled back the policy change on 2x2x2"),
    ]


async def test_one_failing_channel_does_not_stop_the_others_and_nothing_raises() -> None:
    clock, metrics = Clock(), Metrics()
    stream = io.StringIO()
    configure_logging("json", "INFO", stream=stream)
    with TelegramBotApi(TOKEN, {"99"}) as bot, WebhookReceiver(SECRET) as hook:
        hook.script.append(Scripted(400, {"error": "schema"}))
        notifier = Notifier.from_settings(
            NotifySettings(
                telegram_bot_token=TOKEN,
                telegram_chat_id="99",
                telegram_api_url=bot.url,
                webhook_url=hook.url,
                webhook_secret=SECRET,
            ),
            clock=clock,
            metrics=metrics,
        )
        event = execution_failure("rebalance", "3x3x3", TimeoutError("payment timed out"), clock())
        delivery = await notifier.notify(event)
        await notifier.aclose()
    assert delivery.sent == ("telegram",)
    assert delivery.failed == (("webhook", "webhook: receiver answered HTTP 400"),)
    assert (
        _samples(metrics)[("lnpilot_notifications_total", (("channel", "webhook"), ("outcome", "failed")))]
        == 1
    )
    assert "notification failed" in stream.getvalue() and TOKEN not in stream.getvalue()


class Exploding:
    name = "exploding"

    def __init__(self, error: BaseException) -> None:
        self.error = error

    async def send(self, event: Event) -> None:
        raise self.error

    async def aclose(self) -> None:
        return None


async def test_unexpected_errors_are_reported_by_type_and_cancellation_propagates() -> None:
    notifier = Notifier([Exploding(KeyError("secret-ish detail"))], 0)
    delivery = await notifier.notify(daemon_error(RuntimeError("x"), datetime.now(UTC)))
    assert delivery.failed == (("exploding", "KeyError"),)
    with pytest.raises(asyncio.CancelledError):
        await Notifier([Exploding(asyncio.CancelledError())], 0).notify(
            daemon_error(RuntimeError("x"), datetime.now(UTC))
        )


async def test_no_channel_configured_is_a_quiet_no_op() -> None:
    notifier = Notifier.from_settings(NotifySettings())
    assert notifier.channel_names == ()
    delivery = await notifier.notify(shadow_report(date(2026, 11, 24), {}, [], datetime.now(UTC)))
    assert delivery.sent == () and delivery.failed == () and not delivery.suppressed
    assert delivery.event.kind == EventKind.SHADOW_REPORT and "no decisions" in delivery.event.body


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (NotifySettings(telegram_bot_token="1:abc"), "telegram needs both"),
        (NotifySettings(telegram_chat_id="5"), "telegram needs both"),
        (NotifySettings(webhook_url="http://127.0.0.1:9/x"), "needs webhook_secret"),
        (NotifySettings(smtp_host="127.0.0.1"), "email needs smtp_host, email_from and email_to"),
        (NotifySettings(email_to=("a@example.org",)), "email needs"),
        (
            NotifySettings(
                smtp_host="h", email_from="a@example.org", email_to=("b@example.org",), smtp_password="pw"
            ),
            "smtp_password needs smtp_username",
        ),
    ],
)
def test_half_configured_channels_are_config_errors(settings: NotifySettings, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        Notifier.from_settings(settings)
    assert "abc" not in str(info.value)


def test_email_channel_is_built_from_settings() -> None:
    notifier = Notifier.from_settings(
        NotifySettings(
            smtp_host="127.0.0.1", smtp_username="u", smtp_password="pw-zz", email_from="a@example.org",
            email_to=("b@example.org",),
        )
    )  # fmt: skip
    assert notifier.channel_names == ("email",) and "pw-zz" not in repr(notifier.channels)


def test_event_constructors_redact_and_key_for_throttling() -> None:
    now = datetime(2026, 11, 24, tzinfo=UTC)
    mac = "0201036c6e64" + "ab" * 80
    e = daemon_error(RuntimeError(f"auth with {mac} failed"), now, where="sync")
    assert mac not in e.body and e.key == "daemon_error:sync:RuntimeError"
    r = rollback("1x1x1", "forward_drop", now, detail=f"macaroon {mac}", tx_id="t1")
    assert mac not in r.body and dict(r.fields)["transaction"] == "t1" and r.key == "rollback:forward_drop"
    f1 = execution_failure("increase_fees", "1x1x1", BackendUnavailable("a"), now)
    f2 = execution_failure("increase_fees", "2x2x2", BackendUnavailable("b"), now)
    assert f1.key == f2.key  # one outage, many channels: one incident
    s = shadow_report(date(2026, 11, 24), {"increase_fees": 2}, [f"token {mac}"], now)
    assert s.key == "shadow_report:2026-11-24" and mac not in s.body
