"""`make test` finds PostgreSQL and Redis on their default local ports with no env vars (issue 17 #25)."""

from __future__ import annotations

import socket

import pytest

from tests import conftest


def test_env_var_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LNPILOT_TEST_REDIS_URL", "redis://example.invalid:1/0")
    assert conftest.detect_service("LNPILOT_TEST_REDIS_URL") == "redis://example.invalid:1/0"


def test_listening_default_port_is_detected(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        monkeypatch.delenv("LNPILOT_TEST_FAKE_URL", raising=False)
        monkeypatch.setitem(
            conftest.DEFAULT_SERVICE_URLS, "LNPILOT_TEST_FAKE_URL", ("127.0.0.1", port, "fake://127.0.0.1")
        )
        monkeypatch.setattr(conftest, "_detected", {})
        assert conftest.detect_service("LNPILOT_TEST_FAKE_URL") == "fake://127.0.0.1"
    monkeypatch.setattr(conftest, "_detected", {})
    assert conftest.detect_service("LNPILOT_TEST_FAKE_URL") is None  # nothing listens any more


def test_services_of_this_machine_are_found(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a machine with both services on their default ports (this one, CI) nothing is skipped."""
    for var in conftest.DEFAULT_SERVICE_URLS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(conftest, "_detected", {})
    found = {var: conftest.detect_service(var) for var in conftest.DEFAULT_SERVICE_URLS}
    listening = {
        var: conftest._listening(host, port) for var, (host, port, _) in conftest.DEFAULT_SERVICE_URLS.items()
    }
    assert {var: url is not None for var, url in found.items()} == listening
