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
    ["pnl"],
    ["pnl", "--by", "channel"],
    ["pnl", "--by", "peer"],
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
        if argv[0] in {"decide", "apply", "channels", "explain", "pnl"}:
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


def test_pnl_by_channel_fits_80_columns_with_a_busy_nodes_figures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Six figures of revenue and rebalance cost per channel, 18-digit channel ids: the simnet's
    small figures fit even at msat precision, a busy node's did not (rich cut the ids and figures)."""
    import asyncio

    from lnpilot.domain.node import ForwardingEvent, LocalChannel
    from lnpilot.store import Store
    from lnpilot.store.records import TxStatus
    from lnpilot.store.repos.transaction_log import SqlTransactionLog

    day0, ns = 1_736_812_800, 1_000_000_000
    ids = [(870_000 + i << 40) | (3_999 << 16) | 1 for i in range(3)]
    assert all(len(str(c)) == 18 for c in ids)  # as on mainnet today
    db = tmp_path / "busy.db"

    async def fill() -> None:
        store = await Store.open_url(f"sqlite+aiosqlite:///{db}")
        try:
            chans = [
                LocalChannel(c, f"{c:064x}:1", "02" + "ab" * 32, 16_000_000, 8_000_000, 8_000_000, True)
                for c in ids
            ]
            async with store.unit_of_work() as uow:
                await uow.channels.record_open(chans, day0)
                await uow.forwards.add_many(
                    [
                        ForwardingEvent(
                            (day0 + 60 * k) * ns, ids[k % 3], ids[(k + 1) % 3], 10**9, 10**9, 987_654_321
                        )
                        for k in range(6)
                    ]
                )
                for kind in ("channels", "forwards", "chain"):
                    await uow.sync_state.set(kind, day0 + 86_000)
                # synced before the rebalances, so their cost comes from the log
                await uow.sync_state.set("payments", day0)
            log = SqlTransactionLog(store)
            tx = await log.open("live", "rebalances", day0 + 3600)
            for c in ids:
                result = {"status": "applied", "kind": "rebalance", "fee_msat": 1_234_567_890, "moved_sat": 9}
                await log.add_item(tx, c, f"{c:064x}:1", {}, None, result, day0 + 3600)
            await log.set_status(tx, TxStatus.APPLIED, day0 + 3600)
        finally:
            await store.close()

    asyncio.run(fill())
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{db}")
    argv = ["pnl", "--by", "channel", "--since", str(day0), "--at", str(day0 + 86_000)]
    narrow = _run(argv, 80, capsys, monkeypatch)
    wide = _run(argv, 1000, capsys, monkeypatch)
    assert narrow == wide  # nothing had to give way at 80 columns
    assert max(len(line.rstrip()) for line in narrow.splitlines()) <= 80
    assert "…" not in narrow
    for header in ("channel", "revenue", "rebal", "chain", "pay fee", "net", "ROC/yr"):
        assert header in narrow
    assert "870000x3999x1" in narrow and "│ 1,975,309 │ 1,234,568 │" in narrow and "740,741" in narrow
