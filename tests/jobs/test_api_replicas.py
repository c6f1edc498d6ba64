"""Two `lnpilot serve` replicas on one Redis and one database: the rate limit holds across them."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

from lnpilot.cli.main import main

pytestmark = pytest.mark.service
LIMIT = 8
ROUTE = "/v1/scores/nodes/02" + "ab" * 32  # rate-limited before the lookup (404: no such node)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "lnpilot", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(proc.stderr.read().decode() if proc.stderr else "replica did not start")
        time.sleep(0.3)


def test_rate_limit_is_shared_by_two_replicas(
    tmp_path: Path, redis_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "lnpilot.toml"
    config.write_text(f"[api]\nrate_limit_per_minute = {LIMIT}\n")
    db = f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}"
    monkeypatch.setenv("DATABASE_URL", db)
    name = f"replica-test-{uuid.uuid4().hex[:8]}"  # its own Redis counter, whoever else uses Redis
    assert main(["apikey", "create", "--name", name, "--json"]) == 0
    key = json.loads(capsys.readouterr().out)["key"]
    env = {
        **os.environ,
        "DATABASE_URL": db,
        "REDIS_URL": redis_url,
        "LNPILOT_CONFIG": str(config),
        "LNPILOT_DATA_DIR": str(tmp_path / "data"),
    }
    replicas = [_start(env), _start(env)]
    try:
        # Fixed one-minute windows: start early in a window so all requests fall into one.
        if time.time() % 60 > 45:
            time.sleep(61 - time.time() % 60)
        statuses: dict[str, list[int]] = {base: [] for _, base in replicas}
        headers = {"Authorization": f"Bearer {key}"}
        for i in range(LIMIT + 4):
            base = replicas[i % 2][1]
            statuses[base].append(httpx.get(base + ROUTE, headers=headers, timeout=10).status_code)
    finally:
        for proc, _ in replicas:
            proc.terminate()
            proc.wait(timeout=30)
    every = [s for pair in zip(*statuses.values(), strict=True) for s in pair]
    assert every[:LIMIT] == [404] * LIMIT  # served (no such node), counted once across both replicas
    assert every[LIMIT:] == [429] * 4  # the limit holds whichever replica is asked
    assert all(len([s for s in codes if s == 404]) == LIMIT // 2 for codes in statuses.values())
