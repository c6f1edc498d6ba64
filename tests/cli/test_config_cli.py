from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lnpilot.cli.main import main


def test_help_lists_groups(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "config" in capsys.readouterr().out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("lnpilot ")


def test_config_check_ok(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "check"]) == 0
    assert "settings OK" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("env", "toml", "needle"),
    [
        ({"LNPILOT_BACKEND": "eclair"}, None, "LNPILOT_BACKEND"),
        ({"LNBITS_URL": "ht!tp://"}, None, "LNBITS_URL"),
        ({}, "[limits]\nfee_rate_max_ppm = -1\n", "limits.fee_rate_max_ppm"),
        ({"LNPILOT_BACKEND": "lnd"}, None, "LND_REST_URL"),
    ],
)
def test_config_check_bad_value_one_line(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    env: dict[str, str],
    toml: str | None,
    needle: str,
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    if toml is not None:
        path = tmp_path / "c.toml"
        path.write_text(toml)
        monkeypatch.setenv("LNPILOT_CONFIG", str(path))
    assert main(["config", "check"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and needle in err
    assert len(err.splitlines()) == 1
    assert "Traceback" not in err


def test_config_show_redacts(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("LNBITS_API_KEY", "super-secret-api-key")
    assert main(["config", "show", "--json"]) == 0
    out = capsys.readouterr().out
    data = json.loads(out)
    assert data["backend"] == "simnet"
    assert "super-secret-api-key" not in out
    assert main(["config", "show"]) == 0
    assert "super-secret-api-key" not in capsys.readouterr().out


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["nope"]) == 2


def test_console_script_entry_point(tmp_path: Path) -> None:
    """The installed script exits non-zero with one line, no traceback."""
    proc = subprocess.run(
        [sys.executable, "-m", "lnpilot", "config", "check"],
        env={"LNPILOT_BACKEND": "bogus", "LNPILOT_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1 and "LNPILOT_BACKEND" in proc.stderr


@pytest.mark.parametrize(
    ("toml", "needle"),
    [
        ('[notify]\ntelegram_bot_token = "123:abc"\n', "notify.telegram_bot_token"),
        ('[notify]\nwebhook_url = "https://hooks.example.com/x"\n', "notify.webhook_url"),
        ('[notify]\nsmtp_host = "mail.example.com"\n', "notify.smtp_host"),
        (
            '[notify]\nsmtp_host = "m.example.com"\nemail_from = "a@b.c"\nemail_to = ["d@e.f"]\n'
            'smtp_password = "pw"\n',
            "notify.smtp_password",
        ),
        ('[channels."abc"]\npin = true\n', "channels: 'abc'"),
        ('[channels."123"]\npin = true\n', "block 0"),
        ('[blacklist]\nchannels = ["841488x4"]\n', "blacklist.channels"),
        ('[blacklist]\npeers = ["02abc"]\n', "blacklist.peers"),
        ('[execution]\npilot_channels = ["18446744073709551616"]\n', "execution.pilot_channels"),
        ('profile = "reckless"\n', "profile: unknown profile"),
        ('backend = "eclair"\n', "backend: "),
    ],
)
def test_config_check_refuses_what_later_commands_refuse(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    toml: str,
    needle: str,
) -> None:
    path = tmp_path / "c.toml"
    path.write_text(toml)
    monkeypatch.setenv("LNPILOT_CONFIG", str(path))
    assert main(["config", "check"]) == 1
    err = capsys.readouterr().err.strip()
    assert needle in err and len(err.splitlines()) == 1, err
    assert "LNPILOT_PROFILE" not in err and "LNPILOT_BACKEND" not in err  # TOML keys named as such


def test_config_check_accepts_valid_selectors(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "c.toml"
    peer = "02" + "ab" * 32
    path.write_text(
        f'[channels."841488x4x0"]\npin = true\n[channels."925263906064908288"]\nexclude = true\n'
        f'[blacklist]\npeers = ["{peer}"]\nchannels = ["{"ab" * 32}:1"]\n'
        '[execution]\npilot_channels = ["841488x4x1"]\n'
    )
    monkeypatch.setenv("LNPILOT_CONFIG", str(path))
    assert main(["config", "check"]) == 0, capsys.readouterr().err
    monkeypatch.setenv("LNPILOT_PROFILE", "reckless")
    assert main(["config", "check"]) == 1
    assert "LNPILOT_PROFILE: unknown profile" in capsys.readouterr().err
