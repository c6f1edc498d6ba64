"""Start the real LNbits package (its own venv, ``make .venv-lnbits``) on loopback for a test.

LNbits is started with its working directory in its site-packages (it mounts ``lnbits/static``
by relative path) and with every outbound fetch it would make at start-up (extension manifests,
exchange rates) pointed nowhere, so the test stays on loopback.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, _in_ci

LNBITS_VENV = ROOT / ".venv-lnbits"
LNBITS_BIN = LNBITS_VENV / "bin" / "lnbits"
STARTUP_TIMEOUT_S = 600.0  # a loaded machine (several suites at once) starts it slowly


def require_lnbits() -> Path:
    """The lnbits executable; skip when absent (fail under CI=true, where `make test` builds it)."""
    if not LNBITS_BIN.exists():
        message = f"LNbits venv missing ({LNBITS_BIN}): run `make .venv-lnbits`"
        if _in_ci():
            pytest.fail(f"{message} (CI=true: LNbits tests must run)")
        pytest.skip(message)
    return LNBITS_BIN


def _site_packages() -> Path:
    found = sorted((LNBITS_VENV / "lib").glob("python3*/site-packages"))
    if not found:
        pytest.fail(f"no site-packages under {LNBITS_VENV}")
    return found[-1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_lnbits(data_dir: Path, extra_env: Mapping[str, str]) -> Iterator[str]:
    """Yield the base URL of a fresh LNbits; it is always stopped, its log kept in ``data_dir``."""
    binary = require_lnbits()
    data_dir.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(data_dir),
        "LNBITS_DATA_FOLDER": str(data_dir),
        "LNBITS_EXTENSIONS_MANIFESTS": "[]",
        "LNBITS_WASM_EXTENSIONS_MANIFESTS": "[]",
        "LNBITS_PRICE_AGGREGATOR_URL": "http://127.0.0.1:9",
        "LNBITS_EXCHANGE_RATE_PROVIDERS": "[]",
        "LNBITS_EXCHANGE_HISTORY_SIZE": "0",
        "DEBUG": "false",
        **extra_env,
    }
    log_path = data_dir / "lnbits.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [str(binary), "--host", "127.0.0.1", "--port", str(port)],
            cwd=_site_packages(),
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(url, proc, log_path)
            yield url
        finally:
            _stop(proc)


def _wait_ready(url: str, proc: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log_path.read_text(errors="replace")[-2000:]
            pytest.fail(f"LNbits exited with {proc.returncode} during start-up:\n{tail}")
        try:
            # A fresh instance redirects everything to /first_install: any answer means it is up.
            if httpx.get(f"{url}/api/v1/health", timeout=2.0).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    pytest.fail(
        f"LNbits not ready after {STARTUP_TIMEOUT_S} s:\n{log_path.read_text(errors='replace')[-2000:]}"
    )


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=15)
