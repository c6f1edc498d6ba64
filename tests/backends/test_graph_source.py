"""``GraphSource``: a describegraph snapshot from a file or a loopback HTTP server, on a schedule."""

from __future__ import annotations

import gzip
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from lnpilot.backends.base import BackendNotFound, BackendUnavailable
from lnpilot.backends.graph_source import GraphSource
from lnpilot.errors import ConfigError
from lnpilot.graph.ingest import GraphFormatError
from tests.graph.graph_builders import key
from tests.graph.test_ingest import lnd_doc

CHAN = 700_000 << 40


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def write(path: Path, fee_rate: str = "100", compress: bool = False) -> None:
    doc = lnd_doc()
    doc["edges"][0]["node1_policy"]["fee_rate_milli_msat"] = fee_rate
    data = json.dumps(doc).encode()
    path.write_bytes(gzip.compress(data) if compress else data)


async def test_file_snapshot_gives_graph_nodes_edges_and_our_policy(tmp_path: Path) -> None:
    path = tmp_path / "graph.json.gz"
    write(path, compress=True)
    source = GraphSource(str(path))
    assert not source.is_url and "graph.json.gz" in repr(source)
    assert json.loads(gzip.decompress(await source.raw()))["edges"]
    assert (await source.node(key(1))).alias == "n1"
    assert (await source.edge(CHAN)).node2 == key(1)
    policy = await source.policy_of(CHAN, key(0))
    assert policy is not None and policy.time_lock_delta == 80 and policy.fee_rate_ppm == 100
    assert await source.policy_of(CHAN, key(2)) is None  # not an end of this channel
    assert await source.policy_of(CHAN, key(1)) is None  # an end without a published policy
    assert await source.policy_of(1, key(0)) is None
    with pytest.raises(BackendNotFound):
        await source.node(key(9))
    with pytest.raises(BackendNotFound):
        await source.edge(1)


async def test_refreshed_on_schedule_and_a_failed_refresh_keeps_the_last_good_snapshot(
    tmp_path: Path,
) -> None:
    path = tmp_path / "graph.json"
    write(path, "100")
    clock = Clock()
    source = GraphSource(str(path), refresh_s=60, clock=clock)
    assert (await source.edge(CHAN)).node1_policy.fee_rate_ppm == 100  # type: ignore[union-attr]
    write(path, "250")
    clock.now += 30
    assert (await source.edge(CHAN)).node1_policy.fee_rate_ppm == 100  # type: ignore[union-attr]
    clock.now += 31
    assert (await source.edge(CHAN)).node1_policy.fee_rate_ppm == 250  # type: ignore[union-attr]
    path.write_text("{not json")
    clock.now += 61
    assert (await source.edge(CHAN)).node1_policy.fee_rate_ppm == 250  # type: ignore[union-attr]


async def test_a_missing_or_bad_first_snapshot_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="empty location"):
        GraphSource("")
    with pytest.raises(ConfigError, match="cannot read"):
        await GraphSource(str(tmp_path / "absent.json")).raw()
    bad = tmp_path / "bad.json"
    bad.write_text('{"hello": 1}')
    with pytest.raises(GraphFormatError):
        await GraphSource(str(bad)).raw()


@pytest.fixture
def http_dir(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A plain HTTP file server on 127.0.0.1 (an operator's snapshot mirror)."""

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(tmp_path), **kwargs)  # type: ignore[arg-type]

        def log_message(self, *_args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", tmp_path
    finally:
        server.shutdown()
        server.server_close()


async def test_url_snapshot_and_its_failures(http_dir: tuple[str, Path]) -> None:
    base, folder = http_dir
    write(folder / "graph.json")
    source = GraphSource(f"{base}/graph.json")
    assert source.is_url
    assert (await source.edge(CHAN)).capacity_sat == 1_000_000
    with pytest.raises(BackendUnavailable, match="HTTP 404"):
        await GraphSource(f"{base}/missing.json").raw()
    with pytest.raises(BackendUnavailable, match="fetch failed"):
        await GraphSource("http://127.0.0.1:9/graph.json", timeout_s=2).raw()
