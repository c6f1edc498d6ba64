"""schemathesis over the service's own OpenAPI spec, served by uvicorn with a simnet node behind it.

Every operation is called with generated input (and an admin key) under every built-in check
(`--checks all`: no 5xx, schema conformance, status codes, auth enforced, schema-valid input
accepted, invalid input rejected, 405 with Allow, ...). The CLI run covers the coverage and stateful
phases at a bounded size; docs/reliability.md has the full-size figures.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, settings
from schemathesis.pytest import from_fixture

from lnpilot.api.app import create_app, server_options
from lnpilot.settings import Settings, load_settings
from lnpilot.simnet.server import BackgroundServer, free_port
from lnpilot.simnet.testing import running_simnet
from lnpilot.store import Store
from lnpilot.store.cache import MemoryCache
from lnpilot.store.score_cache import ScoreCache
from tests.api.conftest import node_score

_ADMIN: dict[str, str] = {}


async def _seed(settings: Settings) -> str:
    store = await Store.open(settings)
    try:
        await ScoreCache(MemoryCache()).save(store, [node_score(i, float(i)) for i in range(1, 30)])
        async with store.unit_of_work() as uow:
            _, key = await uow.api_keys.create("contract", "admin", 1)
        return key
    finally:
        await store.close()


@pytest.fixture(scope="module")
def served_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("contract")
    with running_simnet(tmp / "lnd", nodes=120, channels=4, seed=3) as node:
        app_settings = load_settings(
            backend="lnd",
            lnd_rest_url=node.url,
            lnd_tls_cert_path=node.tls_cert_path,
            lnd_macaroon_path=node.admin_macaroon_path,
            database_url=f"sqlite+aiosqlite:///{tmp / 'api.db'}",
            data_dir=tmp,
            # Failed-auth limiting is tested on its own; here schemathesis' invalid-auth probes
            # must not lock the runner's address out.
            api={
                "public_reads": False,
                "rate_limit_per_minute": 1_000_000,
                "auth_failures_per_minute": 1_000_000,
            },
        )
        _ADMIN["key"] = asyncio.run(_seed(app_settings))
        port = free_port()
        server = BackgroundServer(
            uvicorn.Config(
                create_app(app_settings), host="127.0.0.1", port=port, **server_options(app_settings)
            )
        )
        server.start()
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.stop()


@pytest.fixture(scope="module")
def api_schema(served_api: str) -> Any:
    return schemathesis.openapi.from_url(f"{served_api}/openapi.json")


schema = from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_check_passes(case: Any) -> None:
    case.call_and_validate(headers={"X-API-Key": _ADMIN["key"]}, timeout=60)  # all built-in checks


def test_schemathesis_cli_checks_all(served_api: str) -> None:
    """The `st run --checks all` of CI, at a bounded size: examples, coverage, fuzzing, stateful."""
    import subprocess
    import sys
    from pathlib import Path

    st = Path(sys.executable).with_name("st")
    result = subprocess.run(
        [
            str(st),
            "run",
            f"{served_api}/openapi.json",
            "--checks",
            "all",
            "--max-examples",
            "5",
            "-H",
            f"X-API-Key: {_ADMIN['key']}",
            "--request-timeout",
            "60",
            "--seed",
            "17",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    tail = result.stdout[-3000:]
    assert result.returncode == 0, tail
    assert "passed" in tail and "failures" not in tail.lower().split("summary")[-1], tail


def test_spec_documents_every_route(api_schema: Any) -> None:
    raw = api_schema.raw_schema
    paths = raw["paths"]
    expected = {
        "/v1/scores/nodes/{pubkey}",
        "/v1/rankings",
        "/v1/scores/batch",
        "/v1/channels",
        "/v1/channels/{chan_id}/recommendation",
        "/v1/decisions",
        "/v1/decisions/{decision_id}/review",
        "/v1/decisions/agreement",
        "/v1/actions/apply",
        "/v1/transactions",
        "/v1/transactions/{tx_id}/rollback",
        "/health",
        "/ready",
        "/metrics",
    }
    assert expected <= set(paths)
    for path, operations in paths.items():
        for method, operation in operations.items():
            assert operation.get("summary"), (method, path)
            if path.startswith("/v1/"):
                problems = [code for code in operation["responses"] if code.startswith(("4", "5"))]
                assert problems, (method, path)  # error codes are documented
                for code in problems:
                    assert "application/problem+json" in operation["responses"][code]["content"], (
                        method,
                        path,
                        code,
                    )
    assert "problem+json" in raw["info"]["description"]
