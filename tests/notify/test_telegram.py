from __future__ import annotations

import io
import logging
import socket
from datetime import UTC, datetime

import pytest

from lnpilot.logs import configure_logging
from lnpilot.notify import NotificationError, TelegramChannel, daemon_error, rollback
from lnpilot.notify.events import Event, EventKind, Severity
from tests.notify.wire_servers import Scripted, Sleeps, TelegramBotApi

TOKEN = "123456789:AAE-s3cr3t-b0t-t0ken-x1y2z3w4v5u6t7"
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def _channel(api: TelegramBotApi, sleep: Sleeps | None = None, **kw: object) -> TelegramChannel:
    return TelegramChannel(TOKEN, "4242", api.url, sleep=sleep or Sleeps(), **kw)  # type: ignore[arg-type]


async def test_send_message_speaks_the_bot_api() -> None:
    with TelegramBotApi(TOKEN, {"4242"}) as api:
        channel = _channel(api)
        await channel.send(
            rollback("850000x1x0", "forward_drop", NOW, detail="forwards fell 80 % <after> & before")
        )
        await channel.aclose()
    (req,) = api.received
    assert req.path == f"/bot{TOKEN}/sendMessage"
    assert req.headers["content-type"] == "application/json"
    body = req.json()
    assert body["chat_id"] == "4242" and body["parse_mode"] == "HTML"
    assert "<b>rolled back the policy change on 850000x1x0</b>" in body["text"]
    assert "&lt;after&gt; &amp; before" in body["text"]


async def test_429_waits_the_retry_after_the_api_asked_for() -> None:
    sleeps = Sleeps()
    with TelegramBotApi(TOKEN, {"4242"}) as api:
        api.script.extend([api.too_many_requests(7), api.too_many_requests(3)])
        await _channel(api, sleeps).send(daemon_error(RuntimeError("x"), NOW))
    assert sleeps.calls == [7.0, 3.0] and len(api.received) == 3


async def test_retry_after_beyond_the_cap_fails_without_waiting() -> None:
    sleeps = Sleeps()
    with TelegramBotApi(TOKEN, {"4242"}) as api:
        api.script.append(api.too_many_requests(3600))
        with pytest.raises(NotificationError, match="429 Too Many Requests") as info:
            await _channel(api, sleeps, max_retry_after_s=60).send(daemon_error(RuntimeError("x"), NOW))
    assert sleeps.calls == [] and TOKEN not in str(info.value)


async def test_5xx_and_non_json_answers_are_retried_with_backoff() -> None:
    sleeps = Sleeps()
    with TelegramBotApi(TOKEN, {"4242"}) as api:
        api.script.extend(
            [Scripted(502, "<html>Bad Gateway</html>"), Scripted(500, {"ok": False, "error_code": 500})]
        )
        await _channel(api, sleeps, base_delay_s=0.5).send(daemon_error(RuntimeError("x"), NOW))
    assert sleeps.calls == [0.5, 1.0] and len(api.received) == 3


@pytest.mark.parametrize(
    ("token", "chat", "expected"),
    [
        ("999:wrong-token-value-abcdef", "4242", "401 Unauthorized"),
        (TOKEN, "777", "400 Bad Request: chat not found"),
    ],
)
async def test_client_errors_are_final_and_never_show_the_token(token: str, chat: str, expected: str) -> None:
    sleeps = Sleeps()
    with TelegramBotApi(TOKEN, {"4242"}) as api:
        channel = TelegramChannel(token, chat, api.url, sleep=sleeps)
        with pytest.raises(NotificationError) as info:
            await channel.send(daemon_error(RuntimeError("x"), NOW))
        await channel.aclose()
    assert str(info.value) == f"telegram: {expected}"
    assert token not in str(info.value) and token not in repr(channel)
    assert sleeps.calls == [] and len(api.received) == 1


async def test_unreachable_api_retries_then_fails_and_logs_stay_free_of_the_token() -> None:
    stream = io.StringIO()
    configure_logging("json", "DEBUG", stream=stream)
    logging.getLogger("httpx").setLevel(logging.DEBUG)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    sleeps = Sleeps()
    channel = TelegramChannel(TOKEN, "4242", f"http://127.0.0.1:{port}", sleep=sleeps, max_attempts=3)
    with pytest.raises(NotificationError, match="cannot reach the Bot API") as info:
        await channel.send(daemon_error(RuntimeError("x"), NOW))
    await channel.aclose()
    assert sleeps.calls == [1.0, 2.0]
    assert TOKEN not in str(info.value) and TOKEN not in stream.getvalue()
    assert "telegram retry" in stream.getvalue()


async def test_long_messages_are_cut_to_the_api_limit_without_breaking_entities() -> None:
    event = Event(EventKind.DAEMON_ERROR, Severity.CRITICAL, "big", "a&b<" * 3000, NOW, "k")
    with TelegramBotApi(TOKEN, {"4242"}) as api:
        await _channel(api).send(event)
    text = api.received[0].json()["text"]
    assert len(text) <= 4096 and "…" in text and "&amp;" in text


def test_constructor_needs_token_and_chat() -> None:
    with pytest.raises(ValueError):
        TelegramChannel("", "1")
