"""Issue 19, the parts around the main path, against the real LNbits in front of simnet:

- the public graph from the configured snapshot is refreshed on its schedule through ``sync``: a
  snapshot file rewritten by the operator's cron reaches the store once both intervals passed
  (``[lnbits] graph_refresh_seconds`` re-reads the file, ``[daemon] graph_refresh_seconds`` stores a
  new graph snapshot), not before;
- a user without admin rights (the "wrong user") gets one error that says what is needed.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest

from lnpilot.backends.base import PermissionDenied
from lnpilot.backends.graph_source import GraphSource
from lnpilot.backends.lnbits import LnbitsBackend
from lnpilot.cli.main import main
from lnpilot.settings import load_settings
from lnpilot.store import Store
from lnpilot.sync.job import SyncJob
from lnpilot.views.store_source import stored_graph
from tests.lnbits.stack import PASSWORD, USER, Stack, configure

T0 = 1_800_000_000


class Clock:
    def __init__(self) -> None:
        self.now = float(T0)

    def __call__(self) -> float:
        return self.now


def _rewrite_fee(path: Path, chan_id: int, fee_ppm: int) -> None:
    """The operator's cron writing a newer describegraph: one edge's node1 fee changed."""
    doc = json.loads(path.read_bytes())
    edge = next(e for e in doc["edges"] if int(e["channel_id"]) == chan_id)
    edge["node1_policy"]["fee_rate_milli_msat"] = str(fee_ppm)
    path.write_text(json.dumps(doc))


def _fee_in(graph_channels: object, chan_id: int) -> int:
    edge = next(c for c in graph_channels if c.chan_id == chan_id)  # type: ignore[attr-defined]
    assert edge.node1_policy is not None
    return int(edge.node1_policy.fee_rate_ppm)


async def test_a_rewritten_snapshot_reaches_the_store_on_schedule(stack: Stack, tmp_path: Path) -> None:
    snapshot = tmp_path / "describegraph.json"
    snapshot.write_bytes(stack.snapshot.read_bytes())
    doc = json.loads(snapshot.read_bytes())
    ours = {c.chan_id for c in stack.simnet.sim.channels}
    # A competitor's channel (not ours) with a published node1 policy.
    chan_id = next(
        int(e["channel_id"])
        for e in doc["edges"]
        if e.get("node1_policy") and int(e["channel_id"]) not in ours
    )
    first_fee = int(
        next(e for e in doc["edges"] if int(e["channel_id"]) == chan_id)["node1_policy"][
            "fee_rate_milli_msat"
        ]
    )
    clock = Clock()
    source = GraphSource(str(snapshot), refresh_s=60, clock=clock)
    store = await Store.open(load_settings(data_dir=tmp_path / "data"))
    try:
        async with LnbitsBackend(
            stack.lnbits_url, username=USER, password=PASSWORD, graph_source=source
        ) as lnbits:
            job = SyncJob(lnbits, store, graph_max_age_s=60)
            first = await job.run(T0, kinds=("graph",))
            assert first.graph_snapshot_id is not None
            stored = await stored_graph(store)
            assert stored is not None and stored.graph is not None
            assert _fee_in(stored.graph.channels, chan_id) == first_fee

            _rewrite_fee(snapshot, chan_id, first_fee + 777)
            clock.now = T0 + 30
            kept = await job.run(T0 + 30, kinds=("graph",))  # inside both intervals: nothing re-read
            assert kept.graph_snapshot_id is None and "recent enough" in kept.skipped["graph"]

            clock.now = T0 + 61
            fresh = await job.run(T0 + 61, kinds=("graph",))
            assert fresh.graph_snapshot_id is not None and fresh.graph_snapshot_id != first.graph_snapshot_id
            stored = await stored_graph(store)
            assert stored is not None and stored.graph is not None
            assert _fee_in(stored.graph.channels, chan_id) == first_fee + 777

            # A refresh that fails (the cron left a broken file) keeps the last good snapshot.
            snapshot.write_text("{broken")
            clock.now = T0 + 200
            kept_good = await job.run(T0 + 200, kinds=("graph",))
            assert kept_good.graph_snapshot_id is not None
            stored = await stored_graph(store)
            assert stored is not None and stored.graph is not None
            assert _fee_in(stored.graph.channels, chan_id) == first_fee + 777
    finally:
        await store.close()


def _register(url: str, username: str, password: str) -> None:
    body = {"username": username, "password": password, "password_repeat": password}
    response = httpx.post(f"{url}/api/v1/auth/register", json=body, timeout=30)
    assert response.is_success, response.text


def test_a_user_without_admin_rights_gets_one_clear_error(
    stack: Stack, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    username, password = "plainuser", "plain-horse-7"
    _register(stack.lnbits_url, username, password)

    async def read() -> None:
        async with LnbitsBackend(stack.lnbits_url, username=username, password=password) as lnbits:
            await lnbits.list_channels()

    with pytest.raises(PermissionDenied, match="reading channels needs an admin"):
        asyncio.run(read())

    configure(monkeypatch, stack, tmp_path)
    monkeypatch.setenv("LNBITS_USERNAME", username)
    monkeypatch.setenv("LNBITS_PASSWORD", password)
    capsys.readouterr()
    assert main(["sync"]) == 1
    captured = capsys.readouterr()
    errors = [line for line in captured.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "admin" in errors[0] and "HTTP 403" in errors[0], captured.err
    assert password not in captured.err + captured.out
