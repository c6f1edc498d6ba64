"""``[nodes.NAME]``: the fleet's nodes in one configuration, each node's data apart, and the CLI
(``--node``) and API (``?node=``) selecting one. The single-node configuration is unchanged."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest

from lnpilot.cli.main import main
from lnpilot.errors import ConfigError
from lnpilot.settings import DEFAULT_NODE, load_settings, node_names, select_node
from lnpilot.store import Store
from lnpilot.store.repos.transaction_log import SqlTransactionLog
from tests.store.databases import fresh_postgres_async

FLEET = """
profile = "balanced"
[execution]
mode = "shadow"

[nodes.alpha]
profile = "aggressive"
lnd_macaroon_hex = "aa11bb22cc33dd44ee55"
[nodes.alpha.execution]
mode = "live"

[nodes.beta]
"""


def _config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> Path:
    path = tmp_path / "lnpilot.toml"
    path.write_text(text)
    monkeypatch.setenv("LNPILOT_CONFIG", str(path))
    return path


def test_a_single_node_configuration_is_the_default_node(tmp_path: Path) -> None:
    settings = load_settings(profile="conservative")
    assert node_names(settings) == [DEFAULT_NODE]
    assert select_node(settings, None) is settings and select_node(settings, DEFAULT_NODE) is settings
    with pytest.raises(ConfigError, match="unknown node 'x'; configured nodes: none"):
        select_node(settings, "x")


def test_nodes_inherit_the_top_level_and_override_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _config(tmp_path, monkeypatch, FLEET)
    settings = load_settings()
    assert node_names(settings) == ["alpha", "beta"]
    alpha, beta = select_node(settings, "alpha"), select_node(settings, "beta")
    assert (alpha.profile, alpha.execution.mode, alpha.node) == ("aggressive", "live", "alpha")
    assert (beta.profile, beta.execution.mode, beta.node) == ("balanced", "shadow", "beta")
    # SQLite: each node its own file under its own data dir.
    assert alpha.data_dir == settings.data_dir / "nodes" / "alpha"
    assert alpha.database_url_effective != beta.database_url_effective != settings.database_url_effective
    with pytest.raises(ConfigError, match="unknown node 'gamma'; configured nodes: alpha, beta"):
        select_node(settings, "gamma")


@pytest.mark.parametrize("name", ["Alpha", "a-b", "default", "x" * 41])
def test_bad_node_names_are_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    _config(tmp_path, monkeypatch, f'[nodes."{name}"]\n')
    with pytest.raises(ConfigError, match="a node name is 1-40 of a-z"):
        load_settings()


def test_cli_selects_a_node_and_never_prints_its_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _config(tmp_path, monkeypatch, FLEET)
    assert main(["--node", "alpha", "config", "show", "--json"]) == 0
    out = capsys.readouterr().out
    data = json.loads(out)
    assert (data["node"], data["profile"], data["execution"]["mode"]) == ("alpha", "aggressive", "live")
    assert "aa11bb22cc33dd44ee55" not in out
    assert main(["config", "show", "--json"]) == 0  # no --node: the top level, as before
    assert json.loads(capsys.readouterr().out)["profile"] == "balanced"
    monkeypatch.setenv("LNPILOT_NODE", "beta")
    assert main(["config", "show", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["node"] == "beta"
    assert main(["--node", "nope", "config", "show"]) == 1
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1 and "unknown node 'nope'" in err[0]


def test_the_node_parameter_is_in_the_openapi_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lnpilot.api.app import create_app

    _config(tmp_path, monkeypatch, FLEET)
    spec = create_app(load_settings()).openapi()
    declared = {}
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            params = [p for p in operation.get("parameters", []) if p["name"] == "node"]
            declared[(method, path)] = params
    v1 = [op for op in declared if op[1].startswith("/v1/")]
    assert len(v1) >= 15 and ("post", "/v1/actions/apply") in v1
    for op in [*v1, ("get", "/ready")]:
        (param,) = declared[op]
        assert param["in"] == "query" and not param.get("required", False), op
        assert param["schema"]["enum"] == ["default", "alpha", "beta"], op
        assert param["schema"]["default"] == "default" and "fleet" in param["description"], op
    # One process-wide registry and a liveness answer: no node to choose there.
    assert declared[("get", "/health")] == [] and declared[("get", "/metrics")] == []
    # An unknown node is a documented 422 problem, like an unknown profile.
    assert "422" in spec["paths"]["/v1/transactions"]["get"]["responses"]


def _api_fleet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database: str) -> None:
    _config(
        tmp_path,
        monkeypatch,
        f'database_url = "{database}"\n[api]\npublic_reads = true\n[nodes.alpha]\n[nodes.beta]\n',
    )


async def _seed(settings_node: str | None, note: str) -> None:
    store = await Store.open(select_node(load_settings(), settings_node))
    try:
        await SqlTransactionLog(store).open("live", note, 1_700_000_000)
    finally:
        await store.close()


@pytest.mark.service
async def test_each_node_has_its_own_schema_and_the_api_selects_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, postgres_url: str
) -> None:
    from lnpilot.api.app import create_app

    async with fresh_postgres_async(postgres_url) as database:
        _api_fleet(tmp_path, monkeypatch, database)
        settings = load_settings()
        assert "lnpilot_schema=lnpilot_node_alpha" in select_node(settings, "alpha").database_url_effective
        await _seed(None, "top-level")
        await _seed("alpha", "alpha-1")
        await _seed("alpha", "alpha-2")
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:

                async def notes(query: str) -> list[str]:
                    answer = await client.get(f"/v1/transactions{query}")
                    assert answer.status_code == 200, answer.text
                    return [tx["note"] for tx in answer.json()]

                assert await notes("") == ["top-level"]
                assert await notes("?node=default") == ["top-level"]
                assert sorted(await notes("?node=alpha")) == ["alpha-1", "alpha-2"]
                assert await notes("?node=beta") == []
                unknown = await client.get("/v1/transactions?node=gamma")
                assert unknown.status_code == 422  # as an unknown profile: the spec lists the names
                assert unknown.headers["content-type"].startswith("application/problem+json")
                assert "unknown node 'gamma'" in unknown.json()["detail"]
        # The CLI reads the same node's data.
        monkeypatch.setenv("DATABASE_URL", database)
        assert await asyncio.to_thread(main, ["--node", "alpha", "transactions", "--json"]) == 0


def test_config_check_names_the_node_with_a_bad_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _config(tmp_path, monkeypatch, '[nodes.alpha]\nbackend = "lnd"\n[nodes.beta]\n')
    assert main(["config", "check"]) == 1
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1 and "nodes.alpha: LND_REST_URL" in err[0] and "nodes.beta" not in err[0]
