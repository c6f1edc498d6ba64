"""``lnpilot pnl``, ``ledger`` and ``close``: bad input is one line and changes nothing."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from lnpilot.cli.main import main
from lnpilot.simnet.testing import SimnetHandle


def _point_at(monkeypatch: pytest.MonkeyPatch, simnet: SimnetHandle, tmp_path: Path, toml: str = "") -> None:
    monkeypatch.setenv("LNPILOT_BACKEND", "simnet")
    monkeypatch.setenv("LND_REST_URL", simnet.url)
    monkeypatch.setenv("LND_TLS_CERT_PATH", str(simnet.tls_cert_path))
    monkeypatch.setenv("LND_MACAROON_PATH", str(simnet.admin_macaroon_path))
    path = tmp_path / "lnpilot.toml"
    path.write_text(toml)
    monkeypatch.setenv("LNPILOT_CONFIG", str(path))


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["pnl", "--days", "0"], "--days"),
        (["pnl", "--since", "2025-13-01"], "not a time"),
        (["pnl", "--since", "2025-01-02", "--until", "2025-01-01"], "bad window"),
        (["pnl", "--since", "2025-01-01", "--days", "3"], "either"),
        (["pnl", "--by", "planet"], "--by"),
        (["ledger", "--format", "xml"], "--format"),
    ],
)
def test_bad_windows_and_formats_are_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0] and "Traceback" not in err[0]


def test_empty_store_pnl_says_onchain_costs_are_unknown(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pnl", "--json", "--at", "1800000000"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["onchain_costs_known"] is False
    assert out["rows"][0]["onchain_cost_msat"] is None and out["rows"][0]["revenue_msat"] == 0
    assert main(["pnl", "--at", "1800000000"]) == 0
    assert "on-chain costs unknown" in capsys.readouterr().out
    assert main(["ledger", "--at", "1800000000"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows == [["id", "time", "at_s", "amount_msat", "category", "chan_id", "counterparty", "note"]]


def test_close_refusals_change_nothing(
    monkeypatch: pytest.MonkeyPatch, simnet: SimnetHandle, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    point = simnet.sim.channels[0].channel_point
    _point_at(monkeypatch, simnet, tmp_path, '[execution]\nmode = "live"\n')
    assert main(["close", point, "--yes", "--sat-per-vbyte", "5"]) != 0
    assert "close_allow_list" in capsys.readouterr().err
    _point_at(
        monkeypatch,
        simnet,
        tmp_path,
        f'[execution]\nmode = "live"\n[economics]\nclose_allow_list = ["{point}"]\n'
        'fee_api_url = "http://127.0.0.1:9"\nfee_api_timeout_s = 2\n',
    )
    assert main(["close", point, "--yes"]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "unreachable" in err[0]
    assert main(["close", "not-a-point", "--yes", "--sat-per-vbyte", "5"]) != 0
    assert "malformed channel point" in capsys.readouterr().err
    assert main(["close", point, "--sat-per-vbyte", "5"]) != 0  # no --yes and no terminal to ask
    assert "confirmation" in capsys.readouterr().err
    assert not simnet.sim.chain.closing


def test_close_runs_when_every_gate_passes(
    monkeypatch: pytest.MonkeyPatch, simnet: SimnetHandle, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ch = next(c for c in simnet.sim.channels if c.active)
    scid = f"{ch.chan_id >> 40}x{(ch.chan_id >> 16) & 0xFFFFFF}x{ch.chan_id & 0xFFFF}"
    _point_at(
        monkeypatch,
        simnet,
        tmp_path,
        f'[execution]\nmode = "live"\n[economics]\nclose_allow_list = ["{scid}"]\n',
    )
    assert main(["close", ch.channel_point, "--yes", "--sat-per-vbyte", "4", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "pending_close"
    assert list(simnet.sim.chain.closing) == [ch.channel_point]
