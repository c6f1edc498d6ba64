"""Helpers for the node-lock and node-clock tests: lnpilot as a real subprocess on a served simnet."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from lnpilot.simnet.testing import SimnetHandle

OUT_OF_BOUNDS_PPM = 40_000  # above the default fee_rate_max_ppm (10,000): a correction is due


def push_out_of_bounds(handle: SimnetHandle) -> None:
    """Every channel's fee to 40,000 ppm, outside lnpilot (as an operator's other tool would)."""
    sim = handle.sim
    for channel in sim.open_channels():
        sim.set_policy(channel, replace(channel.policy, fee_rate_ppm=OUT_OF_BOUNDS_PPM))


def fees(handle: SimnetHandle) -> list[int]:
    return sorted(c.policy.fee_rate_ppm for c in handle.sim.open_channels())


def lnpilot_env(handle: SimnetHandle, data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LNPILOT_", "LND_", "DATABASE_URL"))}
    env.update(
        LNPILOT_BACKEND="simnet",
        LND_REST_URL=handle.url,
        LND_TLS_CERT_PATH=str(handle.tls_cert_path),
        LND_MACAROON_PATH=str(handle.admin_macaroon_path),
        LNPILOT_DATA_DIR=str(data_dir),
        LNPILOT_LOCK_DIR=os.environ["LNPILOT_LOCK_DIR"],  # per test (tests/conftest.py)
        LNPILOT_LOG_LEVEL="WARNING",
        **extra,
    )
    return env


def lnpilot(env: dict[str, str], *argv: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lnpilot", *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def start_lnpilot(env: dict[str, str], *argv: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "lnpilot", *argv],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


async def api_post(
    handle: SimnetHandle, data_dir: Path, path: str, body: dict[str, Any] | None = None
) -> Any:
    """One admin POST to ``lnpilot serve``'s app (in process, ASGI) over the simnet backend."""
    import httpx

    from lnpilot.api.app import create_app
    from lnpilot.api.ratelimit import MemoryRateLimiter
    from lnpilot.api.services import ApiServices
    from lnpilot.backends.factory import make_backend
    from lnpilot.metrics.registry import Metrics
    from lnpilot.settings import load_settings
    from lnpilot.store import Store
    from lnpilot.store.cache import MemoryCache
    from lnpilot.store.score_cache import ScoreCache

    settings = load_settings(
        backend="simnet",
        lnd_rest_url=handle.url,
        lnd_tls_cert_path=handle.tls_cert_path,
        lnd_macaroon_path=handle.admin_macaroon_path,
        data_dir=data_dir,
    )
    store = await Store.open(settings)
    services = ApiServices(
        settings=settings,
        store=store,
        scores=ScoreCache(MemoryCache()),
        limiter=MemoryRateLimiter(1_000),
        metrics=Metrics(),
        backend_factory=lambda: make_backend(settings),
    )  # the service clock stays the wall clock: a simulated node's requests use its own
    async with store.unit_of_work() as uow:
        _, admin = await uow.api_keys.create(f"ops-{time.monotonic_ns()}", "admin", 1)
    transport = httpx.ASGITransport(app=create_app(settings, services))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            return await client.post(path, json=body, headers={"X-API-Key": admin})
    finally:
        await services.aclose()
