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


def require_service(env_var: str, what: str) -> str:
    """The URL of a real service for this test; skip when absent (fail under CI=true)."""
    url = os.environ.get(env_var)
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
    return


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """CLI commands configure logging on the sys.stderr of their moment; pytest closes that
    stream after the test, so put the previous configuration back for the next test."""
    import logging

    import structlog

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    config = structlog.get_config()
    yield
    root.handlers, root.level = handlers, level
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
