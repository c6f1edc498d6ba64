"""Every command against a matrix of bad inputs: one line and a non-zero exit, never a traceback
(issue 17 #20). The figures of a run are in docs/reliability.md; `-s` prints them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from lnpilot.cli.lazy import REGISTRY, load_command
from lnpilot.cli.main import main

# Commands that serve or run until stopped: only the bad-environment rows (which stop them at
# start-up) and bad option values (refused while parsing) are run for them.
LONG_RUNNING = {("run",), ("serve",), ("simnet", "serve"), ("demo",), ("arena",)}
# The arena and simnet build their own worlds from their options; they read no lnpilot settings.
SETTINGS_FREE = {("arena",), ("simnet", "serve")}
BAD_VALUES = ["99999999999999999999", "-1", "abc", "/nonexistent/dir/file", ""]


def leaf_commands() -> list[tuple[tuple[str, ...], Any]]:
    out: list[tuple[tuple[str, ...], Any]] = []

    def walk(path: tuple[str, ...], command: Any) -> None:
        subs = getattr(command, "commands", None)
        if subs:
            for name, sub in sorted(subs.items()):
                walk((*path, name), sub)
        else:
            out.append((path, command))

    for name in sorted(REGISTRY):
        walk((name,), load_command(name))
    return out


LEAVES = leaf_commands()


def _required(command: Any, value: str) -> list[str]:
    args: list[str] = []
    for param in command.params:
        if getattr(param, "required", False):
            if param.param_type_name == "argument":
                args.append(value)
            else:
                args += [param.opts[0], value]
    return args


def _argv_rows() -> list[list[str]]:
    rows: list[list[str]] = []
    for path, command in LEAVES:
        long_running = path in LONG_RUNNING
        if not long_running:
            rows += [[*path, *_required(command, bad)] for bad in BAD_VALUES]
        for param in command.params:
            if param.param_type_name != "option" or param.is_flag or param.required or param.name == "help":
                continue
            annotation = str(getattr(getattr(param, "type_descriptor", None), "annotation", ""))
            if long_running and "int" not in annotation and "float" not in annotation:
                continue
            for bad in ("abc", "99999999999999999999", "-1"):
                if long_running and bad != "abc":
                    continue
                rows.append([*path, *_required(command, "1"), param.opts[0], bad])
        rows.append([*path, "--no-such-option"])
    return rows


ENVS: dict[str, dict[str, str]] = {
    "config_is_a_directory": {"LNPILOT_CONFIG": "{tmp}"},
    "config_not_toml": {"LNPILOT_CONFIG": "{tmp}/bad.toml"},
    "config_unknown_key": {"LNPILOT_CONFIG": "{tmp}/unknown.toml"},
    "lnd_without_url": {"LNPILOT_BACKEND": "lnd"},
    "data_dir_is_a_file": {"LNPILOT_DATA_DIR": "{tmp}/bad.toml"},
    "database_url_garbage": {"DATABASE_URL": "mysql://nowhere/x"},
}


def _check(argv: list[str], capsys: pytest.CaptureFixture[str], results: dict[str, Any]) -> None:
    code = main(argv)
    out, err = capsys.readouterr()
    results[str(code)] = results.get(str(code), 0) + 1
    bad = (
        "Traceback" in out + err
        or code == 70  # an internal error: an exception nobody expected
        or (code != 0 and len(err.strip().splitlines()) != 1)
    )
    if bad:
        results.setdefault("failures", []).append((argv, code, err[-300:]))


def _entries(directory: Path) -> set[str]:
    return {p.name for p in directory.iterdir()}


def test_every_command_with_bad_arguments(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Bad values double as file names (`report -o abc`): they land in a scratch directory, never in
    # the directory pytest was started from (the repo root).
    start, scratch = Path.cwd(), tmp_path / "cwd"
    scratch.mkdir()
    before = _entries(start)
    monkeypatch.chdir(scratch)
    results: dict[str, Any] = {}
    rows = _argv_rows()
    for argv in rows:
        _check(argv, capsys, results)
    assert _entries(start) == before, f"written into {start}: {_entries(start) - before}"
    with capsys.disabled():
        print(f"\nhostile matrix (arguments): {len(LEAVES)} commands, {len(rows)} runs, exit codes {results}")
    assert not results.get("failures"), results.get("failures")
    assert len(LEAVES) >= 35 and len(rows) >= 300


def test_every_command_in_bad_environments(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "bad.toml").write_text("[limits\n")
    (tmp_path / "unknown.toml").write_text("[limits]\nno_such_limit = 1\n")
    start, scratch = Path.cwd(), tmp_path / "cwd"
    scratch.mkdir()
    before = _entries(start)
    monkeypatch.chdir(scratch)
    results: dict[str, Any] = {}
    runs = 0
    for env_name, env in ENVS.items():
        with monkeypatch.context() as patch:
            for key, value in env.items():
                patch.setenv(key, value.format(tmp=tmp_path))
            for path, command in LEAVES:
                if path in SETTINGS_FREE or (path in LONG_RUNNING and not env_name.startswith("config_")):
                    continue  # reads no settings, or would start serving with settings that load
                _check([*path, *_required(command, "1")], capsys, results)
                runs += 1
    with capsys.disabled():
        print(f"\nhostile matrix (environments): {len(ENVS)} environments, {runs} runs, exit codes {results}")
    assert not results.get("failures"), results.get("failures")
    assert _entries(start) == before, f"written into {start}: {_entries(start) - before}"
    assert runs >= len(ENVS) * (len(LEAVES) - len(LONG_RUNNING) - len(SETTINGS_FREE))


@pytest.mark.parametrize(
    "argv",
    [
        ["rollback", "99999999999999999999"],
        ["apikey", "revoke", "99999999999999999999"],
        ["simnet", "serve", "--lnddir", "{tmp}/file"],
        ["vault", "add", "x", "--file", "{tmp}"],
    ],
)
def test_issue_cases(argv: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a directory")
    code = main([a.format(tmp=tmp_path) for a in argv])
    err = capsys.readouterr().err
    assert code not in (0, 70) and "Traceback" not in err and len(err.strip().splitlines()) == 1, err


def test_config_directory_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LNPILOT_CONFIG", str(tmp_path))
    assert main(["config", "check"]) == 1
    assert "LNPILOT_CONFIG" in capsys.readouterr().err


def test_metrics_port_taken_is_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        config = tmp_path / "c.toml"
        config.write_text(f"[daemon]\nmetrics_port = {taken.getsockname()[1]}\n")
        monkeypatch.setenv("LNPILOT_CONFIG", str(config))
        code = main(["run"])
    err = capsys.readouterr().err
    assert code not in (0, 70) and "Traceback" not in err, err
    assert os.environ["LNPILOT_CONFIG"] == str(config)
