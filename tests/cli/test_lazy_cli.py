"""`--help` and `--version` load no command module (issue 23): neither numba nor SQLAlchemy."""

from __future__ import annotations

import subprocess
import sys

import pytest

from lnpilot.cli.lazy import REGISTRY, load_command


def _modules_after(args: list[str]) -> set[str]:
    code = (
        "import sys\n"
        "from lnpilot.cli.main import main\n"
        f"rc = main({args!r})\n"
        "print('|'.join(sorted(sys.modules)))\n"
        "sys.exit(rc)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return set(result.stdout.strip().splitlines()[-1].split("|"))


@pytest.mark.parametrize("args", [["--help"], ["--version"]])
def test_help_and_version_load_neither_numba_nor_sqlalchemy(args: list[str]) -> None:
    loaded = _modules_after(args)
    heavy = {m for m in loaded if m.split(".")[0] in {"numba", "sqlalchemy", "matplotlib", "numpy", "httpx"}}
    assert heavy == set()
    assert not any(
        m.startswith("lnpilot.cli.") and m not in {"lnpilot.cli.main", "lnpilot.cli.lazy"} for m in loaded
    )


def test_registry_help_matches_each_command() -> None:
    for name, entry in REGISTRY.items():
        command = load_command(name)
        own = (command.help or "").strip().splitlines()[0] if command.help else ""
        assert own == entry.help, (name, own, entry.help)


def test_help_text_has_no_markup_loss(capsys: pytest.CaptureFixture[str]) -> None:
    from lnpilot.cli.main import main

    assert main(["db", "prune", "--help"]) == 0
    out = capsys.readouterr().out
    assert "``[store]`` retention" in out or "[store]" in out
    assert main(["notify", "channels", "--help"]) == 0
    assert "[notify] settings" in capsys.readouterr().out
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "--version" in out and "<bool>" not in out


@pytest.mark.parametrize(
    ("argv", "text"),
    [
        (["db", "prune", "--help"], "older than the [store] retention settings"),
        (["notify", "channels", "--help"], "the [notify] settings configure"),
    ],
)
def test_help_text_keeps_its_brackets(argv: list[str], text: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Rich markup once ate ``[store]`` and ``[notify]`` from these help texts (issue 23)."""
    from lnpilot.cli.main import main

    assert main(argv) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert text in out and "``" not in out
