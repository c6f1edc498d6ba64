"""Routing revenue on a backend without per-channel forwards (LNbits): absent and labelled, never 0.

The store is filled as an LNbits sync leaves it: channels and balance snapshots, the mark that the
backend gave no forwards, the node-wide fee sums of its fee report, and one rebalance fee (a cost
that stays known). ``pnl``, ``ledger``, ``report`` and ``/v1/pnl``, ``/v1/ledger`` must show revenue,
forwards, net and profit as not measured, with the node-wide sums labelled; the same store without
the mark (an LND node that routed nothing) shows a measured 0, as before.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from lnpilot.accounting.gather import REVENUE_NOT_MEASURED, books
from lnpilot.cli.main import main
from lnpilot.domain.node import LocalChannel
from lnpilot.report.data import gather
from lnpilot.report.render import write_report
from lnpilot.store import Store
from lnpilot.store.records import Coverage, NodeFeeSums, TxStatus
from lnpilot.store.repos.sync_state import FORWARDS_UNAVAILABLE, unavailable_mark
from lnpilot.store.repos.transaction_log import SqlTransactionLog

DAY0 = 1_736_812_800  # 2025-01-14T00:00:00Z
A, B = (850_000 << 40) | (1 << 16), (860_000 << 40) | (2 << 16) | 1
SUMS = NodeFeeSums(DAY0 + 20 * 3600, 12, 345, 6_789)


def _chan(chan_id: int, local: int) -> LocalChannel:
    point = f"{chan_id:064x}:0"
    return LocalChannel(chan_id, point, "02" + "cd" * 32, 1_000_000, local, 1_000_000 - local, True)


async def _fill(db: Path, *, lnbits: bool, sums: bool = True) -> None:
    store = await Store.open_url(f"sqlite+aiosqlite:///{db}")
    try:
        async with store.unit_of_work() as uow:
            await uow.channels.record_open([_chan(A, 400_000), _chan(B, 700_000)], DAY0)
            await uow.channels.add_snapshots([_chan(A, 400_000), _chan(B, 700_000)], DAY0)
            await uow.channels.add_snapshots([_chan(A, 350_000), _chan(B, 750_000)], DAY0 + 6 * 3600)
            await uow.sync_state.set("channels", DAY0 + 6 * 3600)
            if lnbits:
                await uow.sync_state.set(FORWARDS_UNAVAILABLE, DAY0 + 6 * 3600)
                for kind in ("chain", "payments"):  # LNbits gives neither (sync/job.py marks it)
                    await uow.sync_state.set(unavailable_mark(kind), DAY0 + 6 * 3600)
                if sums:
                    await uow.sync_state.set_node_fee_sums(SUMS)
            else:
                await uow.sync_state.set("forwards", DAY0 + 6 * 3600)
        log = SqlTransactionLog(store)
        tx = await log.open("live", "a rebalance made before", DAY0 + 3600)
        result = {"status": "applied", "kind": "rebalance", "fee_msat": 1234, "moved_sat": 5}
        await log.add_item(tx, A, f"{A:064x}:0", {}, None, result, DAY0 + 3600)
        await log.set_status(tx, TxStatus.APPLIED, DAY0 + 3600)
    finally:
        await store.close()


@pytest.fixture
async def lnbits_db(tmp_path: Path) -> Path:
    db = tmp_path / "lnbits.db"
    await _fill(db, lnbits=True)
    return db


async def _books(db: Path) -> Any:
    store = await Store.open_url(f"sqlite+aiosqlite:///{db}")
    try:
        return await books(store, DAY0, DAY0 + 86_400)
    finally:
        await store.close()


async def test_books_know_revenue_is_not_measured_and_keep_the_costs(lnbits_db: Path, tmp_path: Path) -> None:
    result = await _books(lnbits_db)
    assert not result.forwards_measured and result.node_fee_sums == SUMS
    assert result.totals["forward_fee"] is None and result.totals["profit"] is None
    assert result.totals["rebalance_fee"] == -1234  # a cost is still measured
    assert result.chain is Coverage.NOT_MEASURED and result.payments is Coverage.NOT_MEASURED
    node = result.row(result.pnl.node)
    assert node["revenue_msat"] is None and node["net_msat"] is None and node["forwards"] is None
    assert node["return_on_capacity"] is None and node["rebalance_cost_msat"] == 1234
    assert all(result.row(line)["revenue_msat"] is None for line in result.pnl.channels)
    status = result.revenue_status()
    assert status["revenue_measured"] is False and status["revenue_note"] == REVENUE_NOT_MEASURED
    sums = status["node_fee_sums"]
    assert sums["month_sat"] == 6_789 and "not per channel" in sums["scope"]

    measured_db = tmp_path / "lnd.db"
    await _fill(measured_db, lnbits=False)
    measured = await _books(measured_db)  # an LND node that routed nothing: a measured 0
    assert measured.forwards_measured and measured.node_fee_sums is None
    assert measured.totals["forward_fee"] == 0 and measured.row(measured.pnl.node)["revenue_msat"] == 0
    assert measured.revenue_status()["revenue_note"] is None
    assert measured.chain is Coverage.NOT_SYNCED and measured.payments is Coverage.NOT_SYNCED


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[str, str]:
    capsys.readouterr()
    assert main([*argv, "--at", str(DAY0 + 86_000)]) == 0
    captured = capsys.readouterr()
    return captured.out, captured.err


def test_pnl_and_ledger_show_revenue_as_not_measured(
    lnbits_db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{lnbits_db}")
    window = ("--since", str(DAY0))
    out = json.loads(_cli(capsys, "pnl", *window, "--by", "channel", "--json")[0])
    assert out["revenue_measured"] is False and "no per-channel forwards" in out["revenue_note"]
    assert out["node_fee_sums"]["day_sat"] == 12
    assert {row["revenue_msat"] for row in out["rows"]} == {None}
    assert {row["net_msat"] for row in out["rows"]} == {None}

    text = _cli(capsys, "pnl", *window)[0]
    assert "not measured" in text and "unknown" in text
    assert "node-wide routing fees the node reported at 2025-01-14 20:00 UTC (not per channel)" in text
    assert "past day 12 sat, past week 345 sat, past month 6,789 sat" in text
    # what LNbits cannot give is "not measured", not "no sync has run"
    assert "on-chain costs not measured: the backend (LNbits) gives no on-chain wallet history" in text
    assert "payment fees not measured: the backend (LNbits) gives no payment history" in text
    assert "no chain sync has run" not in text and "no payment sync has run" not in text

    ledger = json.loads(_cli(capsys, "ledger", *window, "--format", "json")[0])
    assert ledger["totals_msat"]["forward_fee"] is None and ledger["totals_msat"]["profit"] is None
    assert ledger["revenue_note"] == REVENUE_NOT_MEASURED and ledger["node_fee_sums"]["week_sat"] == 345
    rows, err = _cli(capsys, "ledger", *window)
    assert [r[4] for r in csv.reader(io.StringIO(rows))][1:] == ["rebalance_fee"]  # the CSV stays clean
    assert err.startswith("note: routing revenue not measured")


async def test_report_shows_not_measured_and_the_node_wide_sums(lnbits_db: Path, tmp_path: Path) -> None:
    store = await Store.open_url(f"sqlite+aiosqlite:///{lnbits_db}")
    try:
        data = await gather(store, DAY0, DAY0 + 86_400)
    finally:
        await store.close()
    summary = data.summary()
    assert summary["forwards"] is None and summary["fees_msat"] is None and data.net_msat is None
    assert summary["node_fee_sums"]["month_sat"] == 6_789
    for fmt in ("md", "html"):
        text = write_report(data, tmp_path / f"r.{fmt}", fmt)[0].read_text()
        assert f"not measured ({REVENUE_NOT_MEASURED})" in text
        assert "past day 12 sat, past week 345 sat, past month 6,789 sat" in text
        assert "unknown (routing revenue not measured)" in text
        assert "routing fees earned | 0.000" not in text and '<td class="n">0.000 sat' not in text


async def test_api_pnl_and_ledger_give_null_revenue_with_the_note(
    lnbits_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import httpx

    from lnpilot.api.app import create_app
    from lnpilot.api.services import ApiServices
    from lnpilot.settings import load_settings

    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{lnbits_db}")
    settings = load_settings(api={"public_reads": True})
    services = await ApiServices.from_settings(settings)
    try:
        transport = httpx.ASGITransport(app=create_app(settings, services))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            window = {"since": DAY0, "until": DAY0 + 86_400}
            pnl = (await client.get("/v1/pnl", params=window)).json()
            ledger = (await client.get("/v1/ledger", params=window)).json()
    finally:
        await services.aclose()
    assert pnl["revenue_measured"] is False and pnl["revenue_note"] == REVENUE_NOT_MEASURED
    assert pnl["node"]["revenue_msat"] is None and pnl["node"]["net_msat"] is None
    assert pnl["node"]["rebalance_cost_msat"] == 1234
    assert all(line["revenue_msat"] is None for line in pnl["channels"] + pnl["peers"])
    assert pnl["node_fee_sums"]["reported_at"] == SUMS.reported_at
    assert ledger["totals_msat"]["forward_fee"] is None and ledger["revenue_note"] == REVENUE_NOT_MEASURED


async def test_fee_sums_replace_each_other_and_a_missing_period_is_not_kept(tmp_path: Path) -> None:
    store = await Store.open_url(f"sqlite+aiosqlite:///{tmp_path / 's.db'}")
    try:
        async with store.unit_of_work() as uow:
            assert await uow.sync_state.node_fee_sums() is None
            await uow.sync_state.set_node_fee_sums(SUMS)
            await uow.sync_state.set_node_fee_sums(NodeFeeSums(DAY0 + 99, None, 1, None))
            assert await uow.sync_state.node_fee_sums() == NodeFeeSums(DAY0 + 99, None, 1, None)
            await uow.sync_state.set_node_fee_sums(NodeFeeSums(DAY0 + 100, None, None, None))
            assert await uow.sync_state.node_fee_sums() is None
    finally:
        await store.close()


def test_without_stored_sums_the_note_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio

    db = tmp_path / "bare.db"
    asyncio.run(_fill(db, lnbits=True, sums=False))
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{db}")
    text = _cli(capsys, "pnl", "--since", str(DAY0))[0]
    assert "no node-wide fee sums stored either (run lnpilot sync)" in text


def test_a_window_a_reported_sum_covers_carries_it_node_level(
    lnbits_db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{lnbits_db}")
    at = str(SUMS.reported_at + 600)  # the last sync was 10 minutes ago

    def pnl(*argv: str) -> tuple[str, dict[str, Any]]:
        capsys.readouterr()
        assert main(["pnl", *argv, "--at", at]) == 0
        text = capsys.readouterr().out
        assert main(["pnl", *argv, "--at", at, "--json"]) == 0
        return text, json.loads(capsys.readouterr().out)

    text, out = pnl("--days", "1")
    level = out["node_level_revenue"]
    assert level["revenue_msat"] == 12_000 and level["period"] == "day"
    assert level["reported_at"] == SUMS.reported_at and "node-level" in level["scope"]
    # less the rebalance (1,234 msat), the one cost measured; on-chain and payments are not
    assert level["net_msat"] == 12_000 - 1_234 and level["net_excludes"] == ["on-chain", "payment fees"]
    assert out["revenue_measured"] is False and out["rows"][0]["revenue_msat"] is None  # per row: still none
    assert "12.000 (node)" in text and "10.766 (node)" in text
    assert "before on-chain and payment fees (not counted)" in text
    assert pnl("--days", "30")[1]["node_level_revenue"]["revenue_msat"] == 6_789_000
    assert pnl("--days", "7")[1]["node_level_revenue"]["revenue_msat"] == 345_000
    # a window no report covers stays not measured: another length, or a report hours off its end
    assert pnl("--days", "3")[1]["node_level_revenue"] is None
    capsys.readouterr()
    assert main(["pnl", "--days", "1", "--at", str(SUMS.reported_at + 7_200), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["node_level_revenue"] is None


async def test_node_level_revenue_only_where_forwards_are_not_measured(tmp_path: Path) -> None:
    db = tmp_path / "lnd.db"
    await _fill(db, lnbits=False)
    store = await Store.open_url(f"sqlite+aiosqlite:///{db}")
    try:
        async with store.unit_of_work() as uow:  # a stale sums row from an earlier LNbits run
            await uow.sync_state.set_node_fee_sums(SUMS)
        result = await books(store, SUMS.reported_at - 86_400, SUMS.reported_at)
    finally:
        await store.close()
    assert result.forwards_measured and result.node_level is None
    assert result.revenue_status()["node_level_revenue"] is None


def test_report_carries_a_covering_sum_as_node_level_revenue(
    lnbits_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``lnpilot report``'s default window (the last 24 hours) on a node synced 10 minutes ago: the
    day's reported sum is its routing revenue, labelled node-level, as in ``pnl --days 1``."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{lnbits_db}")
    at = str(SUMS.reported_at + 600)
    for fmt in ("md", "html"):
        out = tmp_path / f"r.{fmt}"
        assert main(["report", "--format", fmt, "-o", str(out), "--at", at]) == 0
        text = out.read_text().replace("&#39;", "'")
        assert (
            "12.000 sat (node-level: the node's routing fees of the past day as reported at "
            "2025-01-14 20:00 UTC (not per channel, no forward count))" in text
        )
        assert "not this window" not in text  # the sums listed beside it do cover it
        # net: still unknown as a whole; node-level it is 12 sat less the 1.234 sat rebalance
        assert "unknown (routing revenue not measured); node-level: 10.766 sat" in text
        assert "before on-chain and payment fees (not counted)" in text
        # per channel nothing is invented: the forwards row and the channel section stay not measured
        assert f"not measured ({REVENUE_NOT_MEASURED})" in text and "Not measured: " in text
    capsys.readouterr()

    # a day the report does not cover (it was read 4 h before the day ended) stays not measured
    out = tmp_path / "day.md"
    assert main(["report", "--day", "2025-01-14", "--format", "md", "-o", str(out), "--at", at]) == 0
    text = out.read_text()
    assert "node-level" not in text and "not this window" in text


async def test_report_summary_gives_the_node_level_revenue(lnbits_db: Path) -> None:
    store = await Store.open_url(f"sqlite+aiosqlite:///{lnbits_db}")
    try:
        covered = await gather(store, SUMS.reported_at - 86_400, SUMS.reported_at + 1)
        other = await gather(store, DAY0, DAY0 + 86_400)
    finally:
        await store.close()
    level = covered.summary()["node_level_revenue"]
    assert level["revenue_msat"] == 12_000 and level["period"] == "day" and "node-level" in level["scope"]
    assert level["net_msat"] == 12_000 - 1_234 and level["net_excludes"] == ["on-chain", "payment fees"]
    assert covered.summary()["fees_msat"] is None and covered.net_msat is None  # the measured figures
    assert other.summary()["node_level_revenue"] is None and other.node_level_net_msat is None
