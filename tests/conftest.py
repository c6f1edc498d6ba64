"""Fixtures every area shares: isolated settings, shared data, real services."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
GRAPHS = SHARED / "data" / "graphs"
SPECS = SHARED / "specs" / "lnd"


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


# Where `make test` looks when the env vars are unset: the services' default local ports.
DEFAULT_SERVICE_URLS = {
    "LNPILOT_TEST_POSTGRES_URL": ("127.0.0.1", 5432, "postgresql+asyncpg://postgres@127.0.0.1:5432/test"),
    "LNPILOT_TEST_REDIS_URL": ("127.0.0.1", 6379, "redis://127.0.0.1:6379/0"),
}
_detected: dict[str, str | None] = {}


def _listening(host: str, port: int) -> bool:
    import socket

    try:
        with socket.create_connection((host, port), timeout=0.3):
            return True
    except OSError:
        return False


def detect_service(env_var: str) -> str | None:
    """The env var's URL, else the default local URL when something listens on its port (cached)."""
    url = os.environ.get(env_var)
    if url:
        return url
    if env_var not in _detected:
        default = DEFAULT_SERVICE_URLS.get(env_var)
        _detected[env_var] = default[2] if default and _listening(default[0], default[1]) else None
    return _detected[env_var]


def require_service(env_var: str, what: str) -> str:
    """The URL of a real service for this test; skip when absent (fail under CI=true)."""
    url = detect_service(env_var)
    if not url:
        message = f"{what} not configured: set {env_var}"
        if _in_ci():
            pytest.fail(f"{message} (CI=true: service tests must run)")
        pytest.skip(message)
    return url


def shared_file(*parts: str) -> Path:
    """A file under ../shared; skip with a reason when this checkout has no shared folder."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"../shared not available here ({path} missing)")
    return path


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's real settings or data dir."""
    for key in list(os.environ):
        if key.startswith(("LNPILOT_", "LND_", "LNBITS_")) and not key.startswith("LNPILOT_TEST_"):
            monkeypatch.delenv(key, raising=False)
    for key in ("DATABASE_URL", "REDIS_URL", "MACAROON_ENCRYPTION_KEY"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("LNPILOT_DATA_DIR", str(tmp_path / "data"))
    # The node locks of this host (store.host_lock): per test, never the developer's ~/.local/state
    # (simnets of one seed share a pubkey; sessions running tests side by side must not meet).
    monkeypatch.setenv("LNPILOT_LOCK_DIR", str(tmp_path / "locks"))
    return


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """CLI commands configure logging on the sys.stderr of their moment; pytest closes that
    stream after the test, so put the previous configuration back for the next test."""
    import logging

    import structlog

    from lnpilot.logs import CHATTY_LOGGERS

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    chatty = {name: logging.getLogger(name).level for name in CHATTY_LOGGERS}
    config = structlog.get_config()
    yield
    root.handlers, root.level = handlers, level
    for name, chatty_level in chatty.items():
        logging.getLogger(name).setLevel(chatty_level)
    structlog.configure(**config)


@pytest.fixture
def postgres_url() -> str:
    return require_service("LNPILOT_TEST_POSTGRES_URL", "PostgreSQL")


@pytest.fixture
def redis_url() -> str:
    return require_service("LNPILOT_TEST_REDIS_URL", "Redis")


# --- simnet (issue 4): a running simulated LND node over HTTPS on 127.0.0.1 ---
from typing import TYPE_CHECKING  # noqa: E402

if TYPE_CHECKING:
    from lnpilot.simnet.testing import SimnetHandle


@pytest.fixture
def simnet(tmp_path: Path) -> Iterator[SimnetHandle]:
    """A served simnet (300 generated nodes, 8 channels, seed 1); ``.sim`` is the ground truth."""
    from lnpilot.simnet.testing import running_simnet

    with running_simnet(tmp_path / "lnd") as handle:
        yield handle
