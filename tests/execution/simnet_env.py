"""Shared set-up for the simnet tests: a served simulation, an LND REST backend on it, an executor."""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from lnpilot.backends.lnd import LndRestBackend
from lnpilot.domain.graph import RoutingPolicy
from lnpilot.execution.executor import Executor
from lnpilot.simnet.testing import SimnetHandle
from lnpilot.store import Store
from lnpilot.store.repos.transaction_log import SqlTransactionLog


@dataclass
class Env:
    handle: SimnetHandle
    backend: LndRestBackend
    executor: Executor
    txlog: SqlTransactionLog

    async def advance(self, seconds: int) -> int:
        """Generate traffic through simnet's control endpoint (over HTTPS, like any client)."""
        async with httpx.AsyncClient(
            verify=ssl.create_default_context(cafile=str(self.handle.tls_cert_path)),
            headers={"Grpc-Metadata-macaroon": self.handle.macaroon_hex()},
            timeout=300,
        ) as client:
            answer = await client.post(f"{self.handle.url}/simnet/clock/advance", json={"seconds": seconds})
            answer.raise_for_status()
            return int(answer.json()["forwards_settled"])

    def truth(self) -> dict[str, dict[str, object]]:
        """Ground truth straight from the simulation: every field of every channel's policy."""
        from lnpilot.simnet.engine import channel_truth

        with self.handle.sim.lock:
            return {str(c.channel_point): channel_truth(c) for c in self.handle.sim.channels}


@contextlib.asynccontextmanager
async def executor_env(handle: SimnetHandle, db: Path) -> AsyncIterator[Env]:
    backend = LndRestBackend(handle.url, handle.macaroon_hex(), handle.tls_cert_path)
    store = await Store.open_url(f"sqlite+aiosqlite:///{db}")
    txlog = SqlTransactionLog(store)
    executor = Executor(backend, txlog, backoff_s=0.0, clock=lambda: handle.sim.now_s)
    try:
        yield Env(handle, backend, executor, txlog)
    finally:
        await store.close()
        await backend.aclose()


def truth_policy(row: dict[str, object]) -> RoutingPolicy:
    p = row["policy"]
    assert isinstance(p, dict)
    return RoutingPolicy(
        base_fee_msat=p["base_fee_msat"],
        fee_rate_ppm=p["fee_rate_ppm"],
        time_lock_delta=p["time_lock_delta"],
        min_htlc_msat=p["min_htlc_msat"],
        max_htlc_msat=p["max_htlc_msat"],
        inbound_base_fee_msat=p["inbound_base_fee_msat"],
        inbound_fee_rate_ppm=p["inbound_fee_rate_ppm"],
    )
