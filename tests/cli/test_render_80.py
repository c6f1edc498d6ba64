"""Every command's output at 80 columns, from a fixed simnet state (seed 1, 8 channels): no line
longer than 80 columns, no word cut, no column header truncated (issue 23)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lnpilot.cli import common
from lnpilot.cli.main import main
from lnpilot.simnet.testing import SimnetHandle

_SPLIT = re.compile(r"[\s│┃┏┓┗┛┡┩└┘┌┐├┤┬┴┼━─═╇╈╍╌|]+")


def _words(text: str) -> set[str]:
    return {w.strip(".,;:()[]'\"") for w in _SPLIT.split(text) if w}


def _run(
    argv: list[str], width: int, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> str:
    monkeypatch.setattr(common.console, "width", width)
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 0, (argv, err)
    return out


COMMANDS = [
    ["status"],
    ["sync"],
    ["decide"],
    ["decide", "--from", "store"],
    ["apply"],
    ["transactions"],
    ["channels"],
    ["apikey", "list"],
    ["config", "check"],
]


def test_every_command_fits_80_columns(
    simnet: SimnetHandle, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("LNPILOT_BACKEND", "lnd")
    monkeypatch.setenv("LND_REST_URL", simnet.url)
    monkeypatch.setenv("LND_TLS_CERT_PATH", str(simnet.tls_cert_path))
    monkeypatch.setenv("LND_MACAROON_PATH", str(simnet.admin_macaroon_path))
    simnet.sim.advance(4 * 86_400)
    at = str(simnet.sim.now_s)
    assert main(["apikey", "create", "--name", "ops", "--scope", "read"]) == 0
    capsys.readouterr()
    first_channel = None
    problems: list[str] = []
    graph = simnet.sim.public_graph()
    aliases = [graph.nodes[c.peer_pubkey].alias for c in simnet.sim.open_channels()]
    assert all(aliases)
    for argv in [*COMMANDS, ["explain", "FIRST"]]:
        if argv[0] == "explain":
            argv = ["explain", str(first_channel)]
        if argv[0] in {"decide", "apply", "channels", "explain"}:
            argv = [*argv, "--at", at]
        narrow = _run(argv, 80, capsys, monkeypatch)
        wide = _run(argv, 1000, capsys, monkeypatch)
        if argv[0] in {"decide", "channels"}:  # one line per channel names the peer by its alias
            missing = [a for a in aliases if a not in narrow]
            if missing:
                problems.append(f"{argv}: aliases missing {missing[:3]}")
        if argv[0] == "apply":  # old -> new lines name the peer too
            changes = [line for line in narrow.splitlines() if " -> " in line]
            problems += [
                f"apply: no alias in {line!r}" for line in changes if not any(a in line for a in aliases)
            ]
        if argv[0] == "decide" and first_channel is None:
            first_channel = narrow.splitlines()[2].split()[0]
        known = _words(wide)
        for line in narrow.splitlines():
            if len(line.rstrip()) > 80:
                problems.append(f"{argv}: {len(line.rstrip())} columns: {line!r}")
        if argv[0] == "sync":  # not idempotent in its counts: the second run syncs nothing new
            continue
        cut = sorted(w for w in _words(narrow) - known if w.rstrip("…") not in known)
        if cut:
            problems.append(f"{argv}: cut words {cut[:8]}")
    assert problems == [], "\n".join(problems)


def test_apply_change_lines_name_the_peer() -> None:
    from lnpilot.cli.render import changes_lines

    report = {
        "aliases": {"945366694631702529": "ACINQ node of the bay"},
        "decisions": [
            {
                "chan_id": "945366694631702529",
                "type": "fee_change",
                "old_policy": {"fee_rate_ppm": 100, "base_fee_msat": 0},
                "new_policy": {"fee_rate_ppm": 150, "base_fee_msat": 0},
                "verdict": {"approved": True, "codes": []},
            },
            {
                "chan_id": "945366694631702530",
                "type": "fee_change",
                "old_policy": {"fee_rate_ppm": 10},
                "new_policy": {"fee_rate_ppm": 20},
                "verdict": {"approved": False, "codes": ["max_step"]},
            },
        ],
    }
    named, unnamed = changes_lines(report)
    assert named.startswith("859806x2x1 ") and " ACINQ node… fee_change: 100 -> 150 ppm; approved" in named
    assert " fee_change: 10 -> 20 ppm; refused: max_step" in unnamed and len(named) <= 80
