"""The image's install steps, run outside Docker: there is no Docker engine on this machine or in CI,
so this test replays the Dockerfile's own COPY/ENV/RUN lines (read from the file, not copied here) in
a fresh venv made by the base interpreter, with only the package registry reachable, then starts the
result the way the image's ENTRYPOINT/CMD/HEALTHCHECK do: `lnpilot --version` and GET /health.

Also: every runtime dependency resolves to an arm64 wheel (numba and llvmlite included), the wheel
carries the version it was given and an SPDX licence, the build prints no setuptools deprecation, and
`pipx install .` gives a working `lnpilot`.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.deploy.tools import ROOT

VERSION = "7.7.7"
TIMEOUT_S = 1800
pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Stage:
    copies: list[list[str]]
    env: dict[str, str]
    runs: list[str]
    rest: list[str]  # every other instruction, joined lines


def _instructions(text: str) -> list[str]:
    joined = re.sub(r"\\\n\s*", " ", text)
    return [
        line.strip() for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")
    ]


def _stages() -> dict[str, Stage]:
    stages: dict[str, Stage] = {}
    current: Stage | None = None
    for line in _instructions((ROOT / "Dockerfile").read_text()):
        word, _, rest = line.partition(" ")
        if word == "FROM":
            current = Stage([], {}, [], [])
            stages[rest.split(" AS ")[1].strip()] = current
        elif current is None:
            continue
        elif word == "COPY" and not rest.startswith("--from"):
            current.copies.append(rest.split())
        elif word == "ENV":
            current.env.update(dict(pair.split("=", 1) for pair in shlex.split(rest)))
        elif word == "RUN":
            current.runs.append(rest)
        else:
            current.rest.append(line)
    return stages


def _exec_form(stage: Stage, word: str) -> list[str]:
    line = next(i for i in stage.rest if i.startswith(word + " "))
    return json.loads(
        line[len(word) :].strip().split("CMD ", 1)[-1] if word == "HEALTHCHECK" else line[len(word) :]
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Built:
    root: Path
    venv: Path
    dist: Path
    runtime_env: dict[str, str]
    log: str


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    stages = _stages()
    build = stages["build"]
    root = tmp_path_factory.mktemp("image")
    src, opt, dist = root / "src", root / "opt" / "lnpilot", root / "dist"
    src.mkdir()
    for *sources, target in build.copies:  # the build context is exactly what COPY names
        for name in sources:
            origin = ROOT / name
            dest = src / target / Path(name).name if target.endswith("/") else src / target
            if origin.is_dir():
                shutil.copytree(
                    origin, dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.nbi", "*.nbc")
                )
            else:
                shutil.copy2(origin, dest)
    assert not (src / ".git").exists()  # like the image: the version must come from VERSION
    env = {k: v.replace("${VERSION}", VERSION) for k, v in build.env.items()}
    # Image size only: the test keeps pip's cache so a rerun does not download everything again.
    env.pop("PIP_NO_CACHE_DIR", None)
    base_python = Path(getattr(sys, "_base_executable", sys.executable))
    shim = root / "bin"
    shim.mkdir()
    (shim / "python").symlink_to(base_python)  # the base image's `python`, not this project's venv
    run_env = {
        "PATH": f"{shim}:/usr/local/bin:/usr/bin:/bin",
        "HOME": os.environ.get("HOME", str(root)),
        **env,
    }
    log = []
    for command in build.runs:
        script = command.replace("/opt/lnpilot", str(opt)).replace("/dist", str(dist))
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            cwd=src,
            env=run_env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
        )
        log.append(result.stdout + result.stderr)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    runtime = stages["runtime"]
    data = root / "data"
    runtime_env = {"HOME": str(data), "PATH": f"{opt / 'bin'}:/usr/bin:/bin"}
    for key, value in runtime.env.items():
        value = value.replace("/opt/lnpilot", str(opt)).replace("$PATH", "/usr/bin:/bin")
        runtime_env[key] = re.sub(r"^/data", str(data), value)
    return Built(root, opt, dist, runtime_env, "\n".join(log))


def test_installed_image_reports_its_version_and_health(built: Built) -> None:
    runtime = _stages()["runtime"]
    entry = _exec_form(runtime, "ENTRYPOINT")
    assert entry == ["lnpilot"]
    exe = str(built.venv / "bin" / entry[0])
    version = subprocess.run(
        [exe, "--version"], env=built.runtime_env, capture_output=True, text=True, timeout=120
    )
    assert version.returncode == 0 and version.stdout.strip() == f"lnpilot {VERSION}", version.stderr
    cmd = _exec_form(runtime, "CMD")
    port = _free_port()
    assert cmd[cmd.index("--host") + 1] == "0.0.0.0" and cmd[cmd.index("--port") + 1] == "8000"
    cmd[cmd.index("--host") + 1], cmd[cmd.index("--port") + 1] = "127.0.0.1", str(port)  # loopback only here
    Path(built.runtime_env["LNPILOT_DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    server = subprocess.Popen(
        [exe, *cmd], env=built.runtime_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        check = _exec_form(runtime, "HEALTHCHECK")
        check = [c.replace("127.0.0.1:8000", f"127.0.0.1:{port}") for c in check]
        check[0] = str(built.venv / "bin" / check[0])
        deadline = time.monotonic() + 120
        while True:
            probe = subprocess.run(check, env=built.runtime_env, capture_output=True, text=True, timeout=30)
            if probe.returncode == 0:
                break
            assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
            assert time.monotonic() < deadline, probe.stderr
            time.sleep(0.5)
        import httpx

        body = httpx.get(f"http://127.0.0.1:{port}/health", timeout=10).json()
        assert body["version"] == VERSION
    finally:
        server.terminate()
        server.wait(timeout=60)
    # A one-off command through the same entry point: a backup into the data volume.
    backup = subprocess.run(
        [exe, "db", "backup", "--json"], env=built.runtime_env, capture_output=True, text=True, timeout=120
    )
    assert backup.returncode == 0, backup.stderr
    assert json.loads(backup.stdout)["path"].startswith(built.runtime_env["LNPILOT_DATA_DIR"])


def test_wheel_version_and_licence(built: Built) -> None:
    (wheel,) = built.dist.glob("lnpilot-*.whl")
    assert wheel.name == f"lnpilot-{VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        metadata = archive.read(f"lnpilot-{VERSION}.dist-info/METADATA").decode()
        names = archive.namelist()
    assert f"\nVersion: {VERSION}\n" in metadata and "\nLicense-Expression: MIT\n" in metadata
    assert f"lnpilot-{VERSION}.dist-info/licenses/LICENSE" in names
    assert not [n for n in names if n.endswith((".nbi", ".nbc", ".pyc"))]  # no host caches shipped
    # Every file of the package (templates, static assets, migrations) is in the wheel, or the image
    # would start without it.
    package = ROOT / "src" / "lnpilot"
    skipped = {"__pycache__"}
    wanted = {
        f"lnpilot/{path.relative_to(package).as_posix()}"
        for path in package.rglob("*")
        if path.is_file() and not skipped & set(path.parts) and path.suffix not in {".pyc", ".nbi", ".nbc"}
    }
    assert sorted(wanted - set(names)) == []


def test_build_prints_no_setuptools_deprecation(built: Built, tmp_path: Path) -> None:
    python = built.venv / "bin" / "python"
    result = subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-v",
            "--wheel-dir",
            str(tmp_path),
            str(built.root / "src"),
        ],
        env={**built.runtime_env, "SETUPTOOLS_SCM_PRETEND_VERSION": VERSION},
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    output = result.stdout + result.stderr
    assert "running bdist_wheel" in output  # -v really shows the backend's output
    assert "SetuptoolsDeprecationWarning" not in output and "deprecated" not in output.lower(), output[-3000:]


def test_every_runtime_dependency_has_an_arm64_wheel(built: Built, tmp_path: Path) -> None:
    (wheel,) = built.dist.glob("lnpilot-*.whl")
    report = tmp_path / "report.json"
    platforms = ["manylinux2014_aarch64", "manylinux_2_28_aarch64", "manylinux_2_31_aarch64"]
    result = subprocess.run(
        [
            str(built.venv / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--ignore-installed",
            "--only-binary=:all:",
            *[f"--platform={p}" for p in platforms],
            "--python-version=3.11",
            "--implementation=cp",
            "--target",
            str(tmp_path / "t"),
            "--constraint",
            str(ROOT / "requirements.lock"),
            "--report",
            str(report),
            str(wheel),
        ],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    installs = {
        i["metadata"]["name"].lower(): i["download_info"]["url"]
        for i in json.loads(report.read_text())["install"]
    }
    for name in ("numba", "llvmlite", "numpy", "asyncpg", "cryptography"):
        assert "aarch64" in installs[name].rsplit("/", 1)[1], (name, installs[name])


def test_pipx_install_of_the_source_tree(tmp_path: Path) -> None:
    env = {
        "PIPX_HOME": str(tmp_path / "pipx"),
        "PIPX_BIN_DIR": str(tmp_path / "bin"),
        "PIPX_MAN_DIR": str(tmp_path / "man"),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(tmp_path)),
    }
    try:
        import pipx  # noqa: F401
    except ImportError:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail("pipx is not installed; it is in requirements.lock")
        pytest.skip("pipx not installed")
    source = tmp_path / "checkout"
    subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(ROOT), str(source)], check=True, timeout=300)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipx",
            "install",
            "--python",
            str(Path(getattr(sys, "_base_executable", sys.executable))),
            ".",
        ],
        cwd=source,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    version = subprocess.run(
        [str(tmp_path / "bin" / "lnpilot"), "--version"], capture_output=True, text=True, timeout=120
    )
    assert version.returncode == 0 and re.fullmatch(r"lnpilot \d+\.\d+\.\d+\S*", version.stdout.strip()), (
        version
    )


def _sqlite_dump(db: Path) -> list[str]:
    import sqlite3

    con = sqlite3.connect(db)
    try:
        return list(con.iterdump())
    finally:
        con.close()


def _wheel(built: Built, version: str, out: Path) -> Path:
    subprocess.run(
        [
            str(built.venv / "bin" / "python"),
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--wheel-dir",
            str(out),
            str(built.root / "src"),
        ],
        env={**built.runtime_env, "SETUPTOOLS_SCM_PRETEND_VERSION": version},
        check=True,
        timeout=TIMEOUT_S,
    )
    (wheel,) = out.glob(f"lnpilot-{version}-*.whl")
    return wheel


def test_upgrade_script_upgrades_and_rolls_back_on_a_failed_check(built: Built, tmp_path: Path) -> None:
    """Runs last in this module: it changes the installed version."""
    env = dict(built.runtime_env)
    exe = str(built.venv / "bin" / "lnpilot")
    assert (
        subprocess.run([exe, "apikey", "create", "--name", "before-upgrade"], env=env, timeout=120).returncode
        == 0
    )
    (current,) = built.dist.glob(f"lnpilot-{VERSION}-*.whl")
    newer, broken = _wheel(built, "7.7.8", tmp_path / "a"), _wheel(built, "7.7.9", tmp_path / "b")
    script = str(ROOT / "deploy" / "upgrade.sh")

    def upgrade(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", script, "--venv", str(built.venv), "--no-restart", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
        )

    def version() -> str:
        return subprocess.run(
            [exe, "--version"], env=env, capture_output=True, text=True, timeout=60
        ).stdout.strip()

    ok = upgrade("--package", str(newer), "--previous", str(current), "--check", f"{exe} db check")
    assert ok.returncode == 0 and "upgraded to 7.7.8" in ok.stdout, ok.stdout + ok.stderr
    assert version() == "lnpilot 7.7.8"
    db = Path(env["LNPILOT_DATA_DIR"]) / "lnpilot.db"
    before = _sqlite_dump(db)
    failed = upgrade("--package", str(broken), "--previous", str(newer), "--check", "exit 3")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "FAILED at: post-deploy check: exit 3" in failed.stdout and "rolled back to 7.7.8" in failed.stdout
    assert version() == "lnpilot 7.7.8"  # the previous version is back
    assert _sqlite_dump(db) == before  # and the store is the backed-up one
    backups = sorted((Path(env["LNPILOT_DATA_DIR"]) / "backups").glob("lnpilot-sqlite-*.sqlite"))
    assert len(backups) >= 2  # one per upgrade attempt
