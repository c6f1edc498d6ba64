"""``lnpilot sync`` and ``lnpilot status`` against simnet, in-process; capabilities and lookback."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from lnpilot.backends.base import BackendNotFound, Capability
from lnpilot.backends.lnd import LndRestBackend
from lnpilot.cli.main import main
from lnpilot.domain.graph import GraphChannel, RoutingPolicy
from lnpilot.settings import SyncSettings
from lnpilot.simnet.testing import SimnetHandle
from lnpilot.store import Store
from lnpilot.sync import SyncJob
from lnpilot.sync.progress import NullProgress, RichProgress, make_progress
from tests.sync.simnet_client import advance, simnet_env, truth_forwards

DAY = 86_400


@pytest.fixture
def simnet_cli(
    simnet: SimnetHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli_logging: None
) -> SimnetHandle:
    for key, value in simnet_env(simnet, tmp_path / "data", f"sqlite:///{tmp_path / 'cli.db'}").items():
        monkeypatch.setenv(key, value)
    return simnet


def test_sync_then_status(simnet_cli: SimnetHandle, capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(advance(simnet_cli, DAY))
    truth = asyncio.run(truth_forwards(simnet_cli))
    assert main(["sync"]) == 0
    out = capsys.readouterr().out
    assert f"{len(truth)} new of {len(truth)} read" in out and "snapshot 1" in out
    assert main(["sync", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["forwards_added"] == 0
    assert main(["sync"]) == 0
    out = capsys.readouterr().out
    assert "0 new of" in out and "skipped: graph" in out
    assert main(["sync", "--no-graph", "--json"]) == 0
    assert "graph" not in json.loads(capsys.readouterr().out)["skipped"]
    assert main(["status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    info = simnet_cli.sim.node
    assert status["backend"]["pubkey"] == info.pub_key and status["backend"]["alias"] == info.alias
    assert status["backend"]["channels"] == len(simnet_cli.sim.channels) == status["counts"]["channels"]
    assert status["counts"]["forwarding_events"] == len(truth)
    kinds = {
        "channels",
        "fee_report",
        "forwards",
        "closed_channels",
        "chain",
        "payments",
        "invoices",
        "graph",
    }
    assert set(status["last_sync"]) == kinds
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert "synced forwards" in out and info.alias in out


def test_sync_only_and_unknown_kind(simnet_cli: SimnetHandle, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sync", "--only", "bogus"]) == 1
    assert "unknown kind bogus" in capsys.readouterr().err
    assert main(["sync", "--only", "channels", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["channels"] == len(simnet_cli.sim.channels) and report["forwards_fetched"] == 0


def test_status_reports_a_refusing_backend(
    simnet_cli: SimnetHandle, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The invoice macaroon may not read node info: status says so (exit 6, auth) and still shows
    # the database.
    monkeypatch.setenv("LND_MACAROON_PATH", str(simnet_cli.invoice_macaroon_path))
    assert main(["status", "--json"]) == 6
    data = json.loads(capsys.readouterr().out)
    assert data["backend"]["problem"] == "auth" and data["database"] == "sqlite"
    assert simnet_cli.macaroon_hex("invoice") not in data["backend"]["error"]


class _ChannelsOnly(LndRestBackend):
    @property
    def capabilities(self) -> frozenset[Capability]:
        return frozenset({Capability.LIST_CHANNELS})


async def test_missing_capabilities_are_skipped_with_a_reason(simnet: SimnetHandle, store: Store) -> None:
    backend = _ChannelsOnly(simnet.url, simnet.macaroon_hex(), simnet.tls_cert_path)
    try:
        report = await SyncJob(backend, store).run(1_000)
    finally:
        await backend.aclose()
    assert report.channels == len(simnet.sim.channels)
    assert report.skipped == {
        "fee_report": "backend lacks fee_report",
        "forwards": "backend lacks forwarding_history",
        "closed_channels": "backend lacks closed_channels",
        "chain": "backend lacks chain_transactions",
        "payments": "backend lacks payment_history",
        "graph": "backend lacks describe_graph",
    }


async def test_first_sync_honours_the_lookback(simnet: SimnetHandle, store: Store) -> None:
    await advance(simnet, 2 * DAY)
    now = simnet.sim.now_s
    backend = LndRestBackend(simnet.url, simnet.macaroon_hex(), simnet.tls_cert_path)
    console = Console(file=io.StringIO(), force_terminal=True, width=100)
    progress = make_progress(console, enabled=True)
    assert isinstance(progress, RichProgress)
    try:
        with progress:
            job = SyncJob(backend, store, SyncSettings(initial_lookback_days=1), progress=progress)
            report = await job.run(now, kinds=("forwards", "graph"), force_graph=True)
    finally:
        await backend.aclose()
    recent = [k for k in await truth_forwards(simnet) if k[0] >= (now - DAY) * 1_000_000_000]
    assert 0 < report.forwards_added == len(recent)
    shown = console.file.getvalue()  # type: ignore[attr-defined]
    assert f"{len(recent)} new of {len(recent)} read" in shown and "nodes" in shown
    assert isinstance(make_progress(console, enabled=False), NullProgress)
    assert isinstance(make_progress(Console(file=io.StringIO()), enabled=True), NullProgress)


class _YoungChannelBackend(LndRestBackend):
    """LND answers "not found" for a channel too young to be in its graph yet."""

    young: str = ""
    young_id: int = 0

    async def get_policy(self, channel_point: str) -> RoutingPolicy:
        if channel_point == self.young:
            raise BackendNotFound(f"channel {channel_point} has no policy of ours in the graph yet")
        return await super().get_policy(channel_point)

    async def get_edge(self, chan_id: int) -> GraphChannel:
        # Sync reads our policy from the channel's edge (one read by chan_id): not there yet either.
        if chan_id == self.young_id:
            raise BackendNotFound(f"edge {chan_id} not found")
        return await super().get_edge(chan_id)


async def test_paging_hook_empty_history_and_unknown_policy(simnet: SimnetHandle, store: Store) -> None:
    backend = _YoungChannelBackend(simnet.url, simnet.macaroon_hex(), simnet.tls_cert_path)
    backend.young = simnet.sim.channels[0].channel_point
    backend.young_id = simnet.sim.channels[0].chan_id
    pages: list[int] = []

    async def after_page(number: int) -> None:
        pages.append(number)

    job = SyncJob(backend, store, SyncSettings(forwards_page_size=10), after_page=after_page)
    try:
        empty = await job.run(simnet.sim.now_s, kinds=("forwards", "fee_report"))
        assert (empty.forwards_fetched, empty.forwards_high_water_ns, pages) == (0, None, [])
        assert empty.policy_changes == len(simnet.sim.channels) - 1  # the young one is left for later
        await advance(simnet, DAY // 4)
        report = await job.run(simnet.sim.now_s, kinds=("forwards",))
    finally:
        await backend.aclose()
    assert report.forwards_added > 10 and pages == list(range(1, (report.forwards_added + 9) // 10 + 1))
    async with store.unit_of_work() as uow:
        mark = await uow.sync_state.get("forwards")
        assert mark is not None and mark.high_water == report.forwards_high_water_ns
        assert await uow.policies.latest(simnet.sim.channels[0].chan_id) is None
