"""The stack issue 19's tests run against: simnet, the real LNbits 1.6.2 in front of it (LndRestWallet,
node UI on, first install claimed), and a describegraph snapshot file as an LNbits user configures it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from lnpilot.backends.lnbits import LnbitsBackend
from lnpilot.backends.lnd import LndRestBackend
from lnpilot.cli.main import main
from lnpilot.simnet.testing import SimnetHandle, running_simnet
from tests.lnbits.lnbits_process import require_lnbits, running_lnbits

USER, PASSWORD = "lnpilot", "correct-horse-9"


@dataclass(frozen=True)
class Stack:
    simnet: SimnetHandle
    lnbits_url: str
    snapshot: Path


def start_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Simnet and LNbits for one test module (the ``stack`` fixture in conftest.py)."""
    require_lnbits()
    with running_simnet(tmp_path_factory.mktemp("simnet") / "lnd") as simnet:
        env = {
            "LNBITS_BACKEND_WALLET_CLASS": "LndRestWallet",
            "LNBITS_NODE_UI": "true",
            "LND_REST_ENDPOINT": simnet.url,
            "LND_REST_CERT": str(simnet.tls_cert_path),
            "LND_REST_MACAROON": str(simnet.admin_macaroon_path),
        }
        with running_lnbits(tmp_path_factory.mktemp("lnbits-e2e"), env) as url:
            snapshot = tmp_path_factory.mktemp("graph") / "describegraph.json"
            asyncio.run(prepare(url, simnet, snapshot))
            yield Stack(simnet, url, snapshot)


async def prepare(url: str, simnet: SimnetHandle, snapshot: Path) -> None:
    async with LnbitsBackend(url, username=USER, password=PASSWORD) as lnbits:
        await lnbits.claim_first_install()
    await write_snapshot(simnet, snapshot)


async def write_snapshot(simnet: SimnetHandle, path: Path) -> None:
    """What an operator's cron would do: ``lncli describegraph > file`` (here through simnet's REST)."""
    async with LndRestBackend(simnet.url, simnet.macaroon_hex("readonly"), simnet.tls_cert_path) as lnd:
        path.write_bytes(await lnd.describe_graph())


def truth_fees(simnet: SimnetHandle) -> dict[int, tuple[int, int, int]]:
    with simnet.sim.lock:
        return {
            c.chan_id: (c.policy.base_fee_msat, c.policy.fee_rate_ppm, c.policy.time_lock_delta)
            for c in simnet.sim.channels
        }


def configure(
    monkeypatch: pytest.MonkeyPatch, stack: Stack, tmp_path: Path, *, allow_reset: bool = False
) -> Path:
    config = tmp_path / "lnpilot.toml"
    config.write_text(
        "[lnbits]\n"
        f'graph_source = "{stack.snapshot}"\n'
        f"allow_time_lock_reset = {'true' if allow_reset else 'false'}\n"
        "[daemon]\ncycle_seconds = 0.05\n"
        "[limits]\ncooldown_minutes = 0\nmax_changes_per_channel_per_day = 100\n"
        "max_changes_per_node_per_day = 100\n"
    )
    monkeypatch.setenv("LNPILOT_CONFIG", str(config))
    monkeypatch.setenv("LNPILOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("LNPILOT_BACKEND", "lnbits")
    monkeypatch.setenv("LNBITS_URL", stack.lnbits_url)
    monkeypatch.setenv("LNBITS_USERNAME", USER)
    monkeypatch.setenv("LNBITS_PASSWORD", PASSWORD)
    for name in ("DATABASE_URL", "REDIS_URL", "LND_REST_URL"):
        monkeypatch.delenv(name, raising=False)
    return config


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    capsys.readouterr()
    code = main([*argv, "--json"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert PASSWORD not in out
    return json.loads(out)
