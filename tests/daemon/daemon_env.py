"""Shared set-up for the daemon tests: settings pointing at a served simnet, simnet helpers."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

import httpx

from lnpilot.daemon.clock import SimnetClock
from lnpilot.daemon.loop import Daemon
from lnpilot.execution.plan import Mode
from lnpilot.metrics.registry import Metrics
from lnpilot.settings import Settings
from lnpilot.simnet.testing import SimnetHandle

CYCLE_S = 6 * 3600


def daemon_settings(handle: SimnetHandle, data_dir: Path, **extra: Any) -> Settings:
    data_dir.mkdir(parents=True, exist_ok=True)
    values: dict[str, Any] = {
        "backend": "simnet",
        "data_dir": data_dir,
        "database_url": f"sqlite+aiosqlite:///{data_dir / 'daemon.db'}",
        "lnd_rest_url": handle.url,
        "lnd_tls_cert_path": handle.tls_cert_path,
        "lnd_macaroon_path": handle.admin_macaroon_path,
        "daemon": {"cycle_seconds": CYCLE_S, "graph_refresh_seconds": 7 * 86_400},
    }
    values.update(extra)
    return Settings(**values)


def make_daemon(handle: SimnetHandle, settings: Settings, mode: Mode, **kwargs: Any) -> Daemon:
    clock = SimnetClock(handle.url, handle.macaroon_hex(), handle.tls_cert_path)
    return Daemon(settings, clock=clock, mode=mode, metrics=kwargs.pop("metrics", Metrics()), **kwargs)


def control(handle: SimnetHandle, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    """simnet's control surface over HTTPS (``/simnet/...``), as any client."""
    context = ssl.create_default_context(cafile=str(handle.tls_cert_path))
    headers = {"Grpc-Metadata-macaroon": handle.macaroon_hex()}
    with httpx.Client(verify=context, headers=headers, timeout=300) as client:
        answer = client.request(method, f"{handle.url}{path}", json=body)
        answer.raise_for_status()
        return answer.json()


def sim_policies(handle: SimnetHandle) -> dict[int, tuple[int, int]]:
    """Ground truth: chan_id -> (base_fee_msat, fee_rate_ppm) of our side, from the simulation."""
    with handle.sim.lock:
        return {c.chan_id: (c.policy.base_fee_msat, c.policy.fee_rate_ppm) for c in handle.sim.channels}
