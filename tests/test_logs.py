from __future__ import annotations

import io
import json
import logging

import structlog

from lnpilot.logs import REDACTED, configure_logging, get_logger, register_secret


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_json_lines_redact_by_key_shape_and_value() -> None:
    stream = io.StringIO()
    configure_logging("json", "DEBUG", stream=stream)
    macaroon_hex = "0201036c6e6402f801030a10" + "cd" * 60
    register_secret("s3cr3t-registered-value")
    log = get_logger("test", cycle_id="c1")
    log.info("connect", macaroon=macaroon_hex, nested={"headers": {"X-Api-Key": "k1234567"}})
    log.info("free text", detail=f"sent header {macaroon_hex} ok", other="s3cr3t-registered-value!")
    log.warning("list", items=["0201" + "ef" * 50, "fine"])
    lines = _lines(stream)
    text = stream.getvalue()
    assert macaroon_hex not in text and "k1234567" not in text and "s3cr3t-registered-value" not in text
    assert lines[0]["macaroon"] == REDACTED
    assert lines[0]["nested"] == {"headers": {"X-Api-Key": REDACTED}}
    assert lines[0]["cycle_id"] == "c1" and lines[0]["level"] == "info"
    assert lines[1]["detail"] == f"sent header {REDACTED} ok"
    assert lines[2]["items"] == [REDACTED, "fine"]


def test_stdlib_loggers_are_redacted_too() -> None:
    stream = io.StringIO()
    configure_logging("json", "INFO", stream=stream)
    register_secret(b"\x02\x01binary-macaroon-bytes")
    logging.getLogger("httpx").info("header %s", (b"\x02\x01binary-macaroon-bytes").hex())
    assert (b"\x02\x01binary-macaroon-bytes").hex() not in stream.getvalue()
    assert REDACTED in stream.getvalue()


def test_level_filter_and_console_format() -> None:
    stream = io.StringIO()
    configure_logging("console", "WARNING", stream=stream)
    log = structlog.get_logger("t")
    log.info("hidden")
    log.warning("shown", password="pw-should-hide")
    out = stream.getvalue()
    assert "hidden" not in out and "shown" in out and "pw-should-hide" not in out
