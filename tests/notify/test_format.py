from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from lnpilot.notify.events import Event, EventKind, Severity
from lnpilot.notify.format import TELEGRAM_MAX_CHARS, json_payload, plain_text, subject, telegram_html
from tests.notify.wire_servers import _TelegramHtml

NOW = datetime(2026, 11, 24, tzinfo=UTC)
_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=6000)


@settings(max_examples=150, deadline=None)
@given(title=st.text(max_size=200), body=_text, severity=st.sampled_from(list(Severity)))
def test_telegram_text_always_fits_and_always_parses(title: str, body: str, severity: Severity) -> None:
    event = Event(EventKind.DAEMON_ERROR, severity, title, body, NOW, "k", (("where", "<cycle>"),))
    text = telegram_html(event)
    assert len(text) <= TELEGRAM_MAX_CHARS
    parser = _TelegramHtml()
    parser.feed(text)
    parser.close()
    assert parser.error is None and parser.stack == []
    if len(text) < TELEGRAM_MAX_CHARS - 200:
        assert body in "".join(parser.text)  # short bodies arrive whole, unescaped by the client


def test_plain_text_subject_and_json_carry_every_field() -> None:
    event = Event(EventKind.ROLLBACK, Severity.WARNING, "t", "b", NOW, "rollback:x", (("channel", "1x1x1"),))
    assert subject(event) == "[lnpilot] WARNING: t"
    assert plain_text(event).splitlines() == [
        "t",
        "",
        "b",
        "",
        "channel: 1x1x1",
        "at: 2026-11-24T00:00:00+00:00",
    ]
    assert json_payload(event)["fields"] == {"channel": "1x1x1"}
