"""``lnpilot simnet serve`` writes LND's files and serves HTTPS; bad options fail in one line."""

from __future__ import annotations

import os
import signal
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx

from lnpilot.cli.main import main
from lnpilot.simnet.server import free_port
from lnpilot.simnet.testing import running_simnet
from tests.simnet.support import client


def test_serve_writes_lnddir_and_answers(tmp_path: Path) -> None:
    port = free_port()
    lnddir = tmp_path / "lnd"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    cmd = [
        sys.executable,
        "-m",
        "lnpilot",
        "simnet",
        "serve",
        "--lnddir",
        str(lnddir),
        "--port",
        str(port),
        "--nodes",
        "80",
        "--channels",
        "3",
        "--seed",
        "2",
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        info = None
        while time.monotonic() < deadline and info is None:
            if (lnddir / "admin.macaroon").exists() and (lnddir / "tls.cert").exists():
                context = ssl.create_default_context(cafile=lnddir / "tls.cert")
                headers = {"Grpc-Metadata-macaroon": (lnddir / "admin.macaroon").read_bytes().hex()}
                try:
                    info = httpx.get(
                        f"https://localhost:{port}/v1/getinfo", verify=context, headers=headers
                    ).json()
                except httpx.TransportError:
                    time.sleep(0.2)
            else:
                time.sleep(0.2)
        assert info is not None, proc.stderr.read1().decode() if proc.stderr else ""  # type: ignore[union-attr]
        assert info["num_active_channels"] + info["num_inactive_channels"] == 3
        for name in ("tls.key", "readonly.macaroon", "invoice.macaroon"):
            assert (lnddir / name).exists()
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)


def test_graph_and_nodes_together_is_one_line_error(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code = main(
        ["simnet", "serve", "--lnddir", str(tmp_path), "--graph", str(tmp_path / "g.json"), "--nodes", "9"]
    )
    assert code == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err


def test_speed_runs_the_clock_while_serving(tmp_path: Path) -> None:
    with running_simnet(tmp_path / "lnd", nodes=80, channels=3, speed=3_600.0) as handle:
        start = handle.sim.now_s
        deadline = time.monotonic() + 20
        while handle.sim.now_s - start < 1_800 and time.monotonic() < deadline:
            time.sleep(0.1)
        with client(handle) as c:
            assert c.get("/simnet/clock").json()["now"] > start


def test_serve_in_process_builds_the_server(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    import uvicorn

    served: list[uvicorn.Config] = []
    monkeypatch.setattr(uvicorn.Server, "run", lambda self: served.append(self.config))
    code = main(
        [
            "simnet",
            "serve",
            "--lnddir",
            str(tmp_path / "lnd"),
            "--nodes",
            "60",
            "--channels",
            "2",
            "--port",
            "0",
            "--speed",
            "60",
        ]
    )
    assert code == 0
    assert served and served[0].ssl_certfile == str(tmp_path / "lnd" / "tls.cert")
    assert served[0].host == "127.0.0.1"
    assert "2 channels" in capsys.readouterr().err


def test_a_taken_port_is_retried(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import socket

    from lnpilot.simnet import testing as simnet_testing

    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    ports = iter([taken.getsockname()[1], free_port()])
    monkeypatch.setattr(simnet_testing, "free_port", lambda: next(ports))
    try:
        with running_simnet(tmp_path / "lnd", nodes=60, channels=2) as handle:
            assert int(handle.url.rsplit(":", 1)[1]) != taken.getsockname()[1]
    finally:
        taken.close()
