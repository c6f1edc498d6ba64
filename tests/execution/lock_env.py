"""Helpers for the node-lock and node-clock tests: lnpilot as a real subprocess on a served simnet."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

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
