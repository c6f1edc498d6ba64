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
    logging.getLogger("lnpilot.thirdparty").info("header %s", (b"\x02\x01binary-macaroon-bytes").hex())
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


JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiIsImV4cCI6OTk5fQ.c2lnbmF0dXJlLXZhbHVlLXNlY3JldA"
BEARER = "tok-9f8e7d6c5b4a39281706"


def _cookie_server() -> tuple[object, str]:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from lnpilot.simnet.server import BackgroundServer, free_port

    async def login(_request: object) -> JSONResponse:
        response = JSONResponse({"access_token": JWT, "token_type": "bearer"})
        response.set_cookie("cookie_access_token", JWT)
        return response

    port = free_port()
    server = BackgroundServer(
        uvicorn.Config(
            Starlette(routes=[Route("/login", login, methods=["POST"])]),
            host="127.0.0.1",
            port=port,
            log_config=None,
            access_log=False,
        )
    )
    server.start()
    return server, f"http://127.0.0.1:{port}"


def _talk(level: str) -> str:
    """A real httpx/httpcore exchange over loopback that carries a bearer token and sets a cookie."""
    import httpx

    stream = io.StringIO()
    configure_logging("console", level, stream=stream)
    server, url = _cookie_server()
    try:
        with httpx.Client(headers={"Authorization": f"Bearer {BEARER}", "Cookie": f"session={BEARER}"}) as c:
            assert c.post(f"{url}/login?api-key={BEARER}").status_code == 200
            assert c.get(f"{url}/login?usr={BEARER}").status_code == 405
    finally:
        server.stop()  # type: ignore[attr-defined]
    return stream.getvalue()


def test_no_cookie_token_or_authorization_even_at_debug() -> None:
    out = _talk("DEBUG")
    assert "receive_response_headers" in out  # httpcore really logged the headers at DEBUG
    assert "HTTP Request" in out
    assert JWT not in out and JWT.split(".")[1] not in out
    assert BEARER not in out
    assert REDACTED in out


def test_library_chatter_hidden_at_default_level() -> None:
    out = _talk("INFO")
    assert "HTTP Request" not in out and "httpx" not in out and "httpcore" not in out
    log = get_logger("lnpilot.test")
    stream = io.StringIO()
    configure_logging("console", "INFO", stream=stream)
    log.info("own_event_shown")
    logging.getLogger("httpx").warning("library warning shown")
    assert "own_event_shown" in stream.getvalue() and "library warning shown" in stream.getvalue()


def test_redact_text_patterns() -> None:
    from lnpilot.logs import redact_text

    samples = [
        f"[(b'set-cookie', b'cookie_access_token={JWT}; Path=/')]",
        f"(b'authorization', b'Bearer {BEARER}')",
        f"Authorization: Bearer {BEARER}",
        f"GET /api/v1/wallet?api-key={BEARER}&x=1",
        f"Cookie: session={BEARER}",
        f"token {JWT}",
    ]
    for sample in samples:
        out = redact_text(sample)
        assert BEARER not in out and JWT not in out, out
