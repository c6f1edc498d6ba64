"""Serving simnet over HTTPS like LND: lnddir files first, then uvicorn with the node's cert."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from lnpilot.errors import LnpilotError
from lnpilot.simnet.app import build_app
from lnpilot.simnet.auth import MacaroonChecker, MacaroonFiles, write_macaroons
from lnpilot.simnet.engine import Simulation
from lnpilot.simnet.faults import Faults
from lnpilot.simnet.tls import write_tls

_NOT_LND = (b"GET /simnet", b"POST /simnet", b"DELETE /simnet")


class SimnetStartError(LnpilotError):
    code = "simnet-start"


@dataclass(frozen=True, slots=True)
class LndDir:
    path: Path
    tls_cert: Path
    tls_key: Path
    macaroons: MacaroonFiles
    checker: MacaroonChecker


def prepare_lnddir(lnddir: Path) -> LndDir:
    """Write (or reuse) ``tls.cert``/``tls.key`` and the three macaroons, as LND does at start."""
    cert, key = write_tls(lnddir)
    root, macaroons = write_macaroons(lnddir)
    return LndDir(lnddir, cert, key, macaroons, MacaroonChecker(root))


def _dropping_protocol(faults: Faults) -> type[H11Protocol]:
    """uvicorn's h11 protocol, closing the connection on a request when a drop fault is armed."""

    class DroppingH11Protocol(H11Protocol):
        def data_received(self, data: bytes) -> None:
            if not data.startswith(_NOT_LND) and data[:1].isalpha() and faults.take_drop():
                self.transport.abort()
                return
            super().data_received(data)

    return DroppingH11Protocol


def uvicorn_config(
    sim: Simulation, lnd: LndDir, *, host: str, port: int, faults: Faults, speed: float, **extra: Any
) -> uvicorn.Config:
    app = build_app(sim, lnd.checker, faults, speed)
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        ssl_certfile=str(lnd.tls_cert),
        ssl_keyfile=str(lnd.tls_key),
        http=_dropping_protocol(faults),
        log_level="warning",
        access_log=False,
        lifespan="on",
        **extra,
    )


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


class BackgroundServer:
    """uvicorn in a daemon thread; ``start`` returns once it accepts connections."""

    def __init__(self, config: uvicorn.Config) -> None:
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self._run, name="simnet-server", daemon=True)

    def _run(self) -> None:
        # uvicorn exits the process on a failed bind; in a thread that must only end the thread
        with contextlib.suppress(SystemExit):
            self.server.run()

    def start(self, timeout_s: float = 20.0) -> None:
        self.thread.start()
        deadline = time.monotonic() + timeout_s
        while not self.server.started:
            if not self.thread.is_alive():
                raise SimnetStartError("simnet server exited during start-up (is the port free?)")
            if time.monotonic() > deadline:
                self.stop()
                raise SimnetStartError(f"simnet server did not start within {timeout_s:.0f} s")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
