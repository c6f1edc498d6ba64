from __future__ import annotations

import json
import os
import runpy
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from lnpilot.cli.main import main


def test_apikey_create_list_revoke(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["apikey", "create", "--scope", "admin", "--name", "ops", "--json"]) == 0
    created = json.loads(capsys.readouterr().out)
    assert created["key"].startswith("lnp_") and created["scope"] == "admin"
    assert main(["apikey", "create", "--name", "reader"]) == 0
    plain = capsys.readouterr().out.strip().splitlines()[0]
    assert plain.startswith("lnp_")
    assert main(["apikey", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(k["name"], k["scope"]) for k in listed] == [("ops", "admin"), ("reader", "read")]
    assert created["key"] not in json.dumps(listed) and plain not in json.dumps(listed)
    assert main(["apikey", "list"]) == 0
    assert "reader" in capsys.readouterr().out
    assert main(["apikey", "revoke", str(created["id"])]) == 0
    capsys.readouterr()
    assert main(["apikey", "revoke", str(created["id"])]) == 1  # already revoked
    assert "no active API key" in capsys.readouterr().err
    assert main(["apikey", "create", "--scope", "root"]) == 1
    assert "--scope must be read or admin" in capsys.readouterr().err


def test_serve_passes_settings_to_uvicorn(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    seen: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(app=app, **kw))
    assert main(["serve", "--port", "8123"]) == 0
    assert seen["host"] == "127.0.0.1" and seen["port"] == 8123 and seen["log_config"] is None
    assert getattr(seen["app"], "title", "").startswith("lnpilot")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_answers_health_over_http(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "LNPILOT_DATA_DIR": str(tmp_path)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "lnpilot", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=2) as response:
                    body = json.loads(response.read())
                break
            except OSError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        assert body["status"] == "ok" and body["checks"]["database"]["detail"] == "sqlite"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_module_entry_point(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "argv", ["lnpilot", "--version"])
    with pytest.raises(SystemExit) as exit_info:
        runpy.run_module("lnpilot", run_name="__main__")
    assert exit_info.value.code == 0 and capsys.readouterr().out.startswith("lnpilot ")
