"""A dashboard on real data: simnet over HTTPS, the daemon live on simnet's clock, `lnpilot serve`'s
app under uvicorn on 127.0.0.1 (ephemeral port) in a thread, keys made the way an operator makes them."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
import uvicorn

from lnpilot.api.app import create_app
from lnpilot.api.services import ApiServices
from lnpilot.daemon.clock import SimnetClock
from lnpilot.daemon.loop import Daemon
from lnpilot.execution.plan import Mode
from lnpilot.metrics.registry import Metrics
from lnpilot.settings import Settings
from lnpilot.simnet.testing import SimnetHandle, make_simulation, running_simnet
from lnpilot.store import Store

CHROMIUM = Path("/usr/bin/chromium")
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "web"
T = TypeVar("T")
CYCLES = 8  # two simulated days of 6-hour cycles


def settings_for(handle: SimnetHandle, data_dir: Path) -> Settings:
    return Settings(
        backend="simnet",
        data_dir=data_dir,
        database_url=f"sqlite+aiosqlite:///{data_dir / 'web.db'}",
        lnd_rest_url=handle.url,
        lnd_tls_cert_path=handle.tls_cert_path,
        lnd_macaroon_path=handle.admin_macaroon_path,
        log_level="WARNING",
        execution={"mode": "live"},
        daemon={"cycle_seconds": 6 * 3600, "graph_refresh_seconds": 7 * 86_400},
        web={"live_poll_seconds": 0.5},
    )


async def run_cycles(settings: Settings, handle: SimnetHandle, cycles: int) -> None:
    clock = SimnetClock(handle.url, handle.macaroon_hex(), handle.tls_cert_path)
    daemon = Daemon(
        settings, clock=clock, metrics=Metrics(clock=lambda: clock.now_or(time.time())), mode=Mode.LIVE
    )
    await daemon.run(max_cycles=cycles)
    assert daemon.failures == 0


async def make_keys(settings: Settings) -> tuple[str, str]:
    store = await Store.open(settings)
    try:
        async with store.unit_of_work() as uow:
            _, admin = await uow.api_keys.create("operator", "admin", int(time.time()))
            _, read = await uow.api_keys.create("viewer", "read", int(time.time()))
    finally:
        await store.close()
    return admin, read


class ServerThread:
    """`lnpilot serve`'s app (create_app with services from the settings), on simnet's clock."""

    def __init__(self, settings: Settings, handle: SimnetHandle) -> None:
        self.settings, self.handle = settings, handle
        self.server: uvicorn.Server | None = None
        self.port = 0
        self._started = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._serve()), daemon=True)

    async def _serve(self) -> None:
        services = await ApiServices.from_settings(self.settings)
        services.clock = lambda: float(self.handle.sim.now_s)
        config = uvicorn.Config(
            create_app(self.settings, services), host="127.0.0.1", port=0, log_level="warning", lifespan="on"
        )
        self.server = uvicorn.Server(config)
        serving = asyncio.create_task(self.server.serve())
        while not self.server.started and not serving.done():
            await asyncio.sleep(0.02)
        if self.server.started:
            self.port = self.server.servers[0].sockets[0].getsockname()[1]
        self._started.set()
        try:
            await serving
        finally:
            await services.aclose()

    def start(self) -> str:
        self._thread.start()
        assert self._started.wait(30), "the dashboard did not start"
        assert self.port, "the dashboard did not bind a port"
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True
        self._thread.join(15)


@dataclass
class Dashboard:
    url: str
    settings: Settings
    simnet: SimnetHandle
    admin_key: str
    read_key: str

    def run_cycles(self, cycles: int) -> None:
        self.run(run_cycles(self.settings, self.simnet, cycles))

    @staticmethod
    def run(coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on a loop of its own thread: Playwright's sync API owns this thread's loop."""
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, coro).result()

    def policies(self) -> dict[str, dict[str, Any]]:
        channels: list[dict[str, Any]] = self.simnet.sim.truth()["channels"]  # type: ignore[assignment]
        return {c["channel_point"]: c["policy"] for c in channels}


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dashboard]:
    root = tmp_path_factory.mktemp("web")
    sim = make_simulation(nodes=120, channels=6, seed=5)
    with running_simnet(root / "simnet", sim=sim) as handle:
        settings = settings_for(handle, root)
        asyncio.run(run_cycles(settings, handle, CYCLES))
        admin, read = asyncio.run(make_keys(settings))
        server = ServerThread(settings, handle)
        url = server.start()
        try:
            yield Dashboard(url, settings, handle, admin, read)
        finally:
            server.stop()
