"""Credentials never travel over plain HTTP except to loopback or with a logged opt-in (issue 17 #8)."""

from __future__ import annotations

import io
import json

import pytest

from lnpilot.backends.factory import make_backend
from lnpilot.backends.http import check_transport, is_loopback_host
from lnpilot.backends.lnbits import LnbitsBackend
from lnpilot.backends.lnd import LndRestBackend
from lnpilot.errors import ConfigError
from lnpilot.logs import configure_logging
from lnpilot.settings import load_settings, semantic_problems

MAC = "0201036c6e6402f801030a10" + "ab" * 40


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "localhost", "[::1]", "::1"])
def test_loopback_hosts(host: str) -> None:
    assert is_loopback_host(host)


@pytest.mark.parametrize("host", ["10.0.0.1", "192.0.2.7", "example.com", "localhost.evil.com", "0.0.0.0"])
def test_non_loopback_hosts(host: str) -> None:
    assert not is_loopback_host(host)


def test_plain_http_to_a_remote_host_is_refused_before_any_request() -> None:
    with pytest.raises(ConfigError, match="plain http://"):
        LndRestBackend("http://192.0.2.7:8080", MAC, None)
    with pytest.raises(ConfigError, match="LNBITS_URL"):
        LnbitsBackend("http://lnbits.example.com", api_key="k" * 32)
    with pytest.raises(ConfigError, match="scheme"):
        check_transport("ftp://192.0.2.7/", "LND_REST_URL")


async def test_loopback_and_https_are_accepted() -> None:
    for url in ("http://127.0.0.1:5000", "https://192.0.2.7:8080", "http://localhost:8080"):
        backend = LnbitsBackend(url, api_key="k" * 32)
        await backend.aclose()


async def test_opt_in_is_logged(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()
    configure_logging("json", "INFO", stream=stream)
    backend = LndRestBackend("http://192.0.2.7:8080", MAC, None, allow_insecure_http=True)
    await backend.aclose()
    events = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert any(e["event"] == "insecure_http_opt_in" and e["level"] == "warning" for e in events)
    assert MAC not in stream.getvalue()


def test_factory_and_config_check_refuse_plain_http(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings(backend="lnd", lnd_rest_url="http://192.0.2.7:8080", lnd_macaroon_hex=MAC)
    with pytest.raises(ConfigError, match="plain http://"):
        make_backend(settings)
    assert any("plain http://" in p for p in semantic_problems(settings))
    opted = load_settings(
        backend="lnd", lnd_rest_url="http://192.0.2.7:8080", lnd_macaroon_hex=MAC, allow_insecure_http=True
    )
    assert not any("plain http://" in p for p in semantic_problems(opted))
    monkeypatch.setenv("LNPILOT_ALLOW_INSECURE_HTTP", "true")
    assert load_settings().allow_insecure_http is True
