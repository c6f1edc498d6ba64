from __future__ import annotations

import asyncio
import base64
import io
import json
import logging
import secrets

import httpx
import pytest
import structlog
from fastapi import FastAPI, Request
from pymacaroons import MACAROON_V2, Macaroon

from lnpilot.logctx import RequestIdMiddleware, cycle_context, register_settings_secrets, request_context
from lnpilot.logs import REDACTED, configure_logging, get_logger
from lnpilot.settings import load_settings


def _macaroon_hex() -> str:
    """An admin-style LND macaroon in its real binary v2 encoding, as lncli prints it in hex."""
    mac = Macaroon(
        location="lnd", identifier=secrets.token_bytes(24), key=secrets.token_bytes(32), version=MACAROON_V2
    )
    for caveat in ("ipaddr 127.0.0.1", "time-before 2030-01-01T00:00:00Z"):
        mac.add_first_party_caveat(caveat)
    text = mac.serialize()
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).hex()


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_secrets_never_reach_a_log_line_and_every_line_has_a_correlation_id() -> None:
    macaroon_hex = _macaroon_hex()
    api_key = secrets.token_hex(16)  # LNbits keys: 32 hex, too short for the shape rule
    bot_token = f"{secrets.randbelow(10**9)}:{secrets.token_urlsafe(26)}"
    assert macaroon_hex.startswith("0201")
    settings = load_settings(
        backend="lnbits",
        lnbits_url="http://127.0.0.1:5000",
        lnbits_api_key=api_key,
        lnd_macaroon_hex=macaroon_hex,
        notify={"telegram_bot_token": bot_token, "telegram_chat_id": "42"},
    )
    stream = io.StringIO()
    configure_logging("json", "DEBUG", stream=stream)
    assert register_settings_secrets(settings) == 3

    log = get_logger("lnpilot.cycle")
    httpx_log = logging.getLogger("httpx")
    with cycle_context() as cycle_id:
        for i in range(50):
            log.info("backend call", attempt=i, detail=f"headers Grpc-Metadata-macaroon: {macaroon_hex}")
            log.debug("lnbits", headers={"X-Api-Key": api_key}, note=f"key={api_key}")
            log.info("innocent key", value=api_key, blob=bytes.fromhex(macaroon_hex))
            httpx_log.info(
                "HTTP Request: POST %s %s", f"https://api.telegram.org/bot{bot_token}/sendMessage", api_key
            )
            logging.getLogger("lnpilot.backends").warning("macaroon %s rejected", macaroon_hex)
        try:
            raise RuntimeError(f"auth failed with key {api_key} and macaroon {macaroon_hex}")
        except RuntimeError:
            log.exception("cycle failed")
            httpx_log.exception("stdlib saw it too")
        log.info("settings", settings=repr(settings), dumped=settings.model_dump(mode="json"))

    text = stream.getvalue()
    lines = _lines(stream)
    assert len(lines) == 50 * 5 + 3
    for secret in (macaroon_hex, api_key, bot_token):
        assert secret not in text
    assert text.count(REDACTED) >= 50 * 5
    assert all(line.get("cycle_id") == cycle_id for line in lines)
    assert any("Traceback" in str(line.get("exception", "")) for line in lines)


async def test_request_ids_are_bound_echoed_and_isolated_between_concurrent_requests() -> None:
    stream = io.StringIO()
    configure_logging("json", "INFO", stream=stream)
    app = FastAPI()

    @app.get("/work/{n}")
    async def work(n: int, request: Request) -> dict[str, object]:
        structlog.get_logger("api").info("start", n=n)
        await asyncio.sleep(0.01 * (3 - n))  # interleave the requests
        logging.getLogger("lnpilot.api.access").info("end %s", n)
        return {"n": n, "state_id": request.scope["state"]["request_id"]}

    app.add_middleware(RequestIdMiddleware)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        responses = await asyncio.gather(*(client.get(f"/work/{n}") for n in range(3)))
        given = await client.get("/work/0", headers={"X-Request-ID": "edge-7f3a.1"})
        hostile = await client.get("/work/0", headers={"X-Request-ID": "x\tinjected " + "a" * 200})

    ids = [r.headers["x-request-id"] for r in responses]
    assert len(set(ids)) == 3 and all(len(i) == 32 for i in ids)
    assert [r.json()["state_id"] for r in responses] == ids
    assert given.headers["x-request-id"] == "edge-7f3a.1"
    assert (
        hostile.headers["x-request-id"] != "x\tinjected " + "a" * 200
        and len(hostile.headers["x-request-id"]) == 32
    )
    by_n: dict[int, set[object]] = {}
    server_lines = [line for line in _lines(stream) if "n" in line or str(line["event"]).startswith("end ")]
    assert len(server_lines) == 10
    for line in server_lines[:6]:
        n = int(line["n"]) if "n" in line else int(str(line["event"]).split()[-1])
        by_n.setdefault(n, set()).add(line["request_id"])
    assert by_n == {n: {ids[n]} for n in range(3)}
    assert "request_id" not in structlog.contextvars.get_contextvars()


async def test_non_http_scopes_pass_through_the_request_id_middleware() -> None:
    seen = []

    async def inner(scope, receive, send):  # type: ignore[no-untyped-def]
        seen.append(structlog.contextvars.get_contextvars().get("request_id"))

    await RequestIdMiddleware(inner)({"type": "lifespan"}, None, None)  # type: ignore[arg-type]
    assert seen == [None]


def test_contexts_nest_and_unbind() -> None:
    with cycle_context("c-1", profile="balanced") as cid:
        assert cid == "c-1"
        with request_context("r-1") as rid:
            assert structlog.contextvars.get_contextvars() == {
                "cycle_id": "c-1",
                "profile": "balanced",
                "request_id": rid,
            }
        assert "request_id" not in structlog.contextvars.get_contextvars()
    assert structlog.contextvars.get_contextvars() == {}
    with cycle_context() as fresh:
        assert len(fresh) == 32


@pytest.fixture(autouse=True)
def _clean_contextvars() -> None:
    structlog.contextvars.clear_contextvars()
