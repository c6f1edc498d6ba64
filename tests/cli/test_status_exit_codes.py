"""`lnpilot status` tells a config error, an unreachable node, a wrong TLS certificate and a refused
macaroon apart by exit code (issue 17 #19), against a real simnet over HTTPS."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lnpilot.cli.main import main
from lnpilot.simnet.server import free_port
from lnpilot.simnet.testing import SimnetHandle
from tests.backends.macaroon_factory import ADMIN_OPS, lnd_macaroon
from tests.backends.tls_helpers import write_self_signed


def _point_at(monkeypatch: pytest.MonkeyPatch, url: str, cert: Path, macaroon: Path) -> None:
    monkeypatch.setenv("LNPILOT_BACKEND", "lnd")
    monkeypatch.setenv("LND_REST_URL", url)
    monkeypatch.setenv("LND_TLS_CERT_PATH", str(cert))
    monkeypatch.setenv("LND_MACAROON_PATH", str(macaroon))


def test_status_exit_codes(
    simnet: SimnetHandle, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _point_at(monkeypatch, simnet.url, simnet.tls_cert_path, simnet.admin_macaroon_path)
    assert main(["status", "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["backend"]["channels"] == 8
    assert "HTTP Request" not in err and "httpx" not in err  # library chatter stays below WARNING

    _point_at(
        monkeypatch, f"https://127.0.0.1:{free_port()}", simnet.tls_cert_path, simnet.admin_macaroon_path
    )
    assert main(["status", "--json"]) == 4
    assert json.loads(capsys.readouterr().out)["backend"]["problem"] == "unreachable"

    other_cert, _ = write_self_signed(tmp_path, "other")
    _point_at(monkeypatch, simnet.url, other_cert, simnet.admin_macaroon_path)
    assert main(["status"]) == 5
    assert "tls" in capsys.readouterr().out

    forged = tmp_path / "forged.macaroon"
    forged.write_bytes(lnd_macaroon(ADMIN_OPS))  # well formed, but not minted by this node
    _point_at(monkeypatch, simnet.url, simnet.tls_cert_path, forged)
    assert main(["status", "--json"]) == 6
    assert json.loads(capsys.readouterr().out)["backend"]["problem"] == "auth"

    _point_at(monkeypatch, simnet.url, simnet.tls_cert_path, tmp_path / "missing.macaroon")
    assert main(["status"]) == 3
    err = capsys.readouterr().err
    assert "LND_MACAROON_PATH: no such file" in err and len(err.strip().splitlines()) == 1
    monkeypatch.delenv("LND_REST_URL")
    assert main(["status"]) == 3
    assert "unreachable" not in capsys.readouterr().err


def test_status_without_a_node_is_ok(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["backend"]["problem"] == "not_configured"
