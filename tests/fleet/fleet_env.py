"""A fleet for tests: simnets, a TOML configuration naming them, and reads of each node's store."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from lnpilot.settings import Settings, select_node
from lnpilot.simnet.testing import SimnetHandle
from lnpilot.store import Store
from lnpilot.store.repos.transaction_log import SqlTransactionLog


def fleet_toml(path: Path, database_url: str, handles: dict[str, SimnetHandle], mode: str = "live") -> Path:
    lines = [f'database_url = "{database_url}"', ""]
    for name, h in handles.items():
        lines += [
            f"[nodes.{name}]",
            'backend = "simnet"',
            f'lnd_rest_url = "{h.url}"',
            f'lnd_tls_cert_path = "{h.tls_cert_path}"',
            f'lnd_macaroon_path = "{h.admin_macaroon_path}"',
            f'data_dir = "{path.parent / "data" / name}"',
            "",
            f"[nodes.{name}.execution]",
            f'mode = "{mode}"',
            "",
            f"[nodes.{name}.daemon]",
            "cycle_seconds = 21600",
            "graph_refresh_seconds = 604800",
            "",
        ]
    path.write_text("\n".join(lines))
    return path


def sim_policies(handle: SimnetHandle) -> dict[int, tuple[int, int]]:
    """Ground truth: chan_id -> (base_fee_msat, fee_rate_ppm) of our side, from the simulation."""
    with handle.sim.lock:
        return {c.chan_id: (c.policy.base_fee_msat, c.policy.fee_rate_ppm) for c in handle.sim.channels}


async def _node_view(settings: Settings, chan_ids: list[int]) -> dict[str, Any]:
    store = await Store.open(settings)
    try:
        policies = {}
        async with store.unit_of_work() as uow:
            for chan_id in chan_ids:
                p = await uow.policies.current(chan_id)
                policies[chan_id] = None if p is None else (p.base_fee_msat, p.fee_rate_ppm)
        txs = await SqlTransactionLog(store).recent(limit=10_000)
    finally:
        await store.close()
    applied = [item for tx in txs for item in tx.items if (item.result or {}).get("status") == "applied"]
    return {"policies": policies, "txs": txs, "applied_items": applied}


def node_view(settings: Settings, node: str, chan_ids: list[int]) -> dict[str, Any]:
    """What node ``node``'s store says: current policies, its transactions, its applied items."""
    return asyncio.run(_node_view(select_node(settings, node), chan_ids))


async def _in_flight(settings: Settings) -> bool:
    store = await Store.open(settings)
    try:
        for tx in await SqlTransactionLog(store).recent(limit=50):
            if tx.status.value in {"pending", "in_flight"} and any(
                (i.result or {}).get("status") == "in_flight" for i in tx.items
            ):
                return True
        return False
    finally:
        await store.close()


def wait_in_flight(settings: Settings, node: str, timeout_s: float = 900.0) -> None:
    """Block until node ``node`` has a transaction with a change sent and not yet answered."""
    node_settings = select_node(settings, node)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if asyncio.run(_in_flight(node_settings)):
            return
        time.sleep(0.2)
    raise AssertionError(f"node {node} never had a change in flight")
