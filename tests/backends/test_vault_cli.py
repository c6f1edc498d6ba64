"""``lnpilot vault`` end to end through the CLI entry point (one line + exit 1 on errors)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lnpilot.backends.factory import macaroon_hex
from lnpilot.cli.main import main
from lnpilot.settings import load_settings
from tests.backends.macaroon_factory import ADMIN_OPS, INVOICE_OPS, lnd_macaroon
from tests.backends.test_vault import strong

K1, K2, K3 = strong("k1"), strong("k2"), strong("k3")


@pytest.fixture
def macaroon_file(tmp_path: Path) -> Path:
    path = tmp_path / "admin.macaroon"
    path.write_bytes(lnd_macaroon(ADMIN_OPS))
    return path


def test_add_list_remove(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], macaroon_file: Path, tmp_path: Path
) -> None:
    monkeypatch.setenv("MACAROON_ENCRYPTION_KEY", K1)
    assert main(["vault", "add", "node", "--file", str(macaroon_file)]) == 0
    inv = tmp_path / "whatever.bin"
    inv.write_bytes(lnd_macaroon(INVOICE_OPS))
    assert main(["vault", "add", "inv", "--file", str(inv)]) == 0
    capsys.readouterr()
    assert main(["vault", "list", "--json"]) == 0
    out = capsys.readouterr().out
    assert '"kind": "admin"' in out and '"kind": "invoice"' in out
    assert macaroon_file.read_bytes().hex() not in out
    assert main(["vault", "list"]) == 0
    assert "node" in capsys.readouterr().out
    assert main(["vault", "remove", "inv"]) == 0
    assert main(["vault", "remove", "inv"]) == 1
    assert "holds no 'inv'" in capsys.readouterr().err


def test_missing_key_and_wrong_key(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], macaroon_file: Path
) -> None:
    assert main(["vault", "add", "node", "--file", str(macaroon_file)]) == 1
    err = capsys.readouterr().err
    assert "MACAROON_ENCRYPTION_KEY is not set" in err and err.count("\n") == 1
    monkeypatch.setenv("MACAROON_ENCRYPTION_KEY", K1)
    assert main(["vault", "add", "node", "--file", str(macaroon_file)]) == 0
    monkeypatch.setenv("MACAROON_ENCRYPTION_KEY", K3)
    assert main(["vault", "list"]) == 1
    assert "does not open the macaroon vault" in capsys.readouterr().err
    assert main(["vault", "add", "x", "--file", "/nonexistent/file"]) == 1


def test_rotate_key_then_use_through_settings(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], macaroon_file: Path
) -> None:
    monkeypatch.setenv("MACAROON_ENCRYPTION_KEY", K1)
    assert main(["vault", "add", "node", "--file", str(macaroon_file)]) == 0
    assert main(["vault", "rotate-key", "--new-key-env", "NEW_VAULT_KEY"]) == 1
    assert "NEW_VAULT_KEY is not set" in capsys.readouterr().err
    monkeypatch.setenv("NEW_VAULT_KEY", K2)
    assert main(["vault", "rotate-key", "--new-key-env", "NEW_VAULT_KEY"]) == 0
    assert "re-encrypted 1" in capsys.readouterr().out
    monkeypatch.setenv("MACAROON_ENCRYPTION_KEY", K2)
    monkeypatch.setenv("LND_MACAROON_PATH", "vault:node")
    monkeypatch.setenv("LNPILOT_BACKEND", "lnd")
    monkeypatch.setenv("LND_REST_URL", "https://127.0.0.1:1")
    settings = load_settings()
    assert macaroon_hex(settings) == macaroon_file.read_bytes().hex()
    assert main(["config", "check"]) == 0


def test_keygen_prints_a_key_the_vault_accepts(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], macaroon_file: Path
) -> None:
    assert main(["vault", "keygen"]) == 0
    key = capsys.readouterr().out.strip()
    assert main(["vault", "keygen"]) == 0
    assert capsys.readouterr().out.strip() != key
    monkeypatch.setenv("MACAROON_ENCRYPTION_KEY", key)
    assert main(["vault", "add", "node", "--file", str(macaroon_file)]) == 0
    monkeypatch.setenv("MACAROON_ENCRYPTION_KEY", "short")
    assert main(["vault", "list"]) == 1
    err = capsys.readouterr().err
    assert "too weak" in err and "vault keygen" in err and err.count("\n") == 1
    assert main(["config", "check"]) == 1
    assert "MACAROON_ENCRYPTION_KEY: too weak" in capsys.readouterr().err
