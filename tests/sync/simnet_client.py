"""Talking to simnet like any client: its control endpoint and its ground truth, over HTTPS."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

import httpx

from lnpilot.settings import Settings
from lnpilot.simnet.testing import SimnetHandle

Key = tuple[int, int, int, int, int]


def _client(handle: SimnetHandle) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        verify=ssl.create_default_context(cafile=str(handle.tls_cert_path)),
        headers={"Grpc-Metadata-macaroon": handle.macaroon_hex()},
        timeout=300,
    )


async def advance(handle: SimnetHandle, seconds: int) -> int:
    """Move simnet's clock (traffic runs meanwhile); returns the forwards settled."""
    async with _client(handle) as client:
        answer = await client.post(f"{handle.url}/simnet/clock/advance", json={"seconds": seconds})
        answer.raise_for_status()
        return int(answer.json()["forwards_settled"])


async def truth_forwards(handle: SimnetHandle) -> list[Key]:
    """Natural keys of every forward simnet has settled (its ground truth, duplicates kept)."""
    async with _client(handle) as client:
        answer = await client.get(f"{handle.url}/simnet/truth/forwards")
        answer.raise_for_status()
        rows: list[dict[str, Any]] = answer.json()["forwards"]
    return [
        (r["timestamp_ns"], int(r["chan_id_in"]), int(r["chan_id_out"]), r["amt_in_msat"], r["amt_out_msat"])
        for r in rows
    ]


def simnet_settings(handle: SimnetHandle, data_dir: Path, database_url: str | None = None) -> Settings:
    return Settings(
        backend="simnet",
        lnd_rest_url=handle.url,
        lnd_tls_cert_path=handle.tls_cert_path,
        lnd_macaroon_path=handle.admin_macaroon_path,
        data_dir=data_dir,
        database_url=database_url,
    )


def simnet_env(handle: SimnetHandle, data_dir: Path, database_url: str) -> dict[str, str]:
    """Environment variables that point ``lnpilot`` at this simnet and database."""
    return {
        "LNPILOT_BACKEND": "simnet",
        "LND_REST_URL": handle.url,
        "LND_TLS_CERT_PATH": str(handle.tls_cert_path),
        "LND_MACAROON_PATH": str(handle.admin_macaroon_path),
        "LNPILOT_DATA_DIR": str(data_dir),
        "DATABASE_URL": database_url,
    }
