"""Reports from a store filled with known rows: the figures are the rows', the charts are real PNGs."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest

from lnpilot.cli.main import main
from lnpilot.domain.channel_view import PolicyChange
from lnpilot.domain.graph import RoutingPolicy
from lnpilot.domain.node import ForwardingEvent, LocalChannel
from lnpilot.errors import InvalidInputError
from lnpilot.report.data import gather
from lnpilot.report.render import write_report
from lnpilot.store import Store
from lnpilot.store.records import DecisionRecord, ExpertReview, TxStatus
from lnpilot.store.repos.transaction_log import SqlTransactionLog

DAY0 = 1_736_812_800  # 2025-01-14T00:00:00Z
A, B = (850_000 << 40) | (1 << 16), (860_000 << 40) | (2 << 16) | 1
PNG = b"\x89PNG\r\n\x1a\n"


def _policy(ppm: int) -> RoutingPolicy:
    return RoutingPolicy(1000, ppm, 80, 1000, 990_000_000)


def _chan(chan_id: int, point: str, local: int) -> LocalChannel:
    return LocalChannel(chan_id, point, "02" + "cd" * 32, 1_000_000, local, 1_000_000 - local, True)


def _decision(at: int, kind: str, chan_id: int, approved: bool, reason: str) -> DecisionRecord:
    return DecisionRecord(
        created_at=at,
        type=kind,
        profile="balanced",
        mode="shadow",
        would_execute=approved and kind != "no_action",
        chan_id=chan_id,
        params={
            "source": "daemon",
            "cycle_id": str(at),
            "verdict": {"approved": approved},
            "execution": None,
        },
        reasons=[reason],
    )


async def _fill(db: Path) -> None:
    store = await Store.open_url(f"sqlite+aiosqlite:///{db}")
    try:
        async with store.unit_of_work() as uow:
            channels = [_chan(A, "aa" * 32 + ":0", 400_000), _chan(B, "bb" * 32 + ":1", 700_000)]
            await uow.channels.record_open(channels, DAY0)
            for hour in range(0, 24, 6):
                moved = [_chan(A, "aa" * 32 + ":0", 400_000 + hour * 10_000), channels[1]]
                await uow.channels.add_snapshots(moved, DAY0 + hour * 3600)
            await uow.policies.add(A, PolicyChange(DAY0 - 100, None, _policy(100), "initial"))
            await uow.policies.add(A, PolicyChange(DAY0 + 7200, _policy(100), _policy(150), "lnpilot"))
            await uow.policies.add(B, PolicyChange(DAY0 - 100, None, _policy(40), "initial"))
            ns = 1_000_000_000
            await uow.forwards.add_many(
                [
                    ForwardingEvent((DAY0 + 600) * ns, B, A, 100_500_000, 100_000_000, 500_000),
                    ForwardingEvent((DAY0 + 1200) * ns, B, A, 50_200_000, 50_000_000, 200_000),
                    ForwardingEvent((DAY0 + 1800) * ns, A, B, 10_040_000, 10_000_000, 40_000),
                    ForwardingEvent((DAY0 + 90_000) * ns, A, B, 1_000, 1_000, 0),  # the next day
                ]
            )
            first = await uow.decisions.add(
                _decision(DAY0 + 3600, "increase_fees", A, True, "demand is high")
            )
            await uow.decisions.add(_decision(DAY0 + 3600, "no_action", B, False, "balanced | nothing to do"))
            await uow.decisions.add(_decision(DAY0 + 7200, "no_action", B, False, "balanced | nothing to do"))
            other = await uow.decisions.add(
                _decision(DAY0 + 7200, "rebalance", A, False, "<script>x</script>")
            )
            await uow.decisions.add_review(ExpertReview(first, True, "good", DAY0 + 9000))
            await uow.decisions.add_review(ExpertReview(other, False, "too costly", DAY0 + 9000))
            await uow.decisions.add_review(ExpertReview(first, True, "still good", DAY0 + 9900))
        log = SqlTransactionLog(store)
        tx = await log.open("live", "batch of 2 real action(s)", DAY0 + 7200)
        await log.add_item(
            tx,
            A,
            "aa" * 32 + ":0",
            {},
            _policy(100),
            {"status": "applied", "kind": "policy", "detail": "verified by read-back", "changed": True},
            DAY0 + 7200,
        )
        await log.add_item(
            tx,
            A,
            "aa" * 32 + ":0",
            {},
            None,
            {
                "status": "applied",
                "kind": "rebalance",
                "detail": "moved",
                "fee_msat": 1234,
                "moved_sat": 50_000,
            },
            DAY0 + 7200,
        )
        await log.set_status(tx, TxStatus.APPLIED, DAY0 + 7200)
        undo = await log.open("live", f"rollback of tx {tx} (manual)", DAY0 + 8000)
        await log.add_item(
            undo,
            A,
            "aa" * 32 + ":0",
            {},
            _policy(150),
            {"status": "applied", "kind": "policy", "detail": "restored", "changed": True},
            DAY0 + 8000,
        )
        await log.set_status(undo, TxStatus.APPLIED, DAY0 + 8000)
    finally:
        await store.close()


@pytest.fixture
async def filled(tmp_path: Path) -> Path:
    db = tmp_path / "report.db"
    await _fill(db)
    return db


async def test_gather_reads_the_window(filled: Path) -> None:
    store = await Store.open_url(f"sqlite+aiosqlite:///{filled}")
    try:
        data = await gather(store, DAY0, DAY0 + 86_400)
    finally:
        await store.close()
    s = data.summary()
    assert s["forwards"] == 3 and s["fees_msat"] == 740_000  # the next day's forward is out
    assert s["decisions"] == {"increase_fees": 1, "no_action": 2, "rebalance": 1}
    assert s["would_execute"] == 1
    assert s["rollbacks"] == 1 and s["rebalance_cost_msat"] == 1234
    assert s["executed"] == {"applied": 2}
    assert data.onchain_cost_msat is None and data.net_msat is None  # no chain sync: unknown, not 0
    assert data.agreement_rate == pytest.approx(2 / 3)
    by_chan = {r.chan_id: r for r in data.routing}
    assert by_chan[A].forwards_out == 2 and by_chan[A].fees_msat == 700_000 and by_chan[A].forwards_in == 1
    assert by_chan[B].fees_msat == 40_000
    assert data.fee_history[A] == [(DAY0, 100), (DAY0 + 7200, 150)]
    assert data.fee_history[B] == [(DAY0, 40)]  # unchanged in the window: the fee in force
    assert [round(share, 2) for _, share in data.balance_history[A]] == [0.4, 0.46, 0.52, 0.58]


async def test_markdown_has_png_files_beside_it_and_html_embeds_them(filled: Path, tmp_path: Path) -> None:
    store = await Store.open_url(f"sqlite+aiosqlite:///{filled}")
    try:
        data = await gather(store, DAY0, DAY0 + 86_400)
    finally:
        await store.close()
    written = write_report(data, tmp_path / "out" / "day.md", "md")
    md = written[0].read_text()
    pngs = written[1:]
    assert {p.name for p in pngs} == {"day-revenue.png", "day-fees.png", "day-balances.png"}
    for png in pngs:
        assert png.read_bytes().startswith(PNG) and png.stat().st_size > 5_000
        assert f"]({png.name})" in md
    assert "| routing fees earned | 740.000 sat |" in md
    assert "| on-chain costs | unknown (no chain sync) |" in md
    assert "| net profit | unknown (on-chain costs unknown) |" in md
    assert "2 of 3 reviews" not in md and "66.7 %" in md
    assert "demand is high" in md and "2 x balanced \\| nothing to do" not in md  # reasons list, not a table
    assert "- 2 x balanced | nothing to do" in md
    (html_path,) = write_report(data, tmp_path / "out" / "day.html", "html")
    html = html_path.read_text()
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert len(images) == 3 and all(base64.b64decode(i).startswith(PNG) for i in images)
    assert "<script>x</script>" not in html and "&lt;script&gt;" in html
    with pytest.raises(InvalidInputError, match="format"):
        write_report(data, tmp_path / "x.pdf", "pdf")


async def test_an_empty_window_renders_without_charts(filled: Path, tmp_path: Path) -> None:
    store = await Store.open_url(f"sqlite+aiosqlite:///{filled}")
    try:
        data = await gather(store, DAY0 - 30 * 86_400, DAY0 - 29 * 86_400)
    finally:
        await store.close()
    written = write_report(data, tmp_path / "empty.md", "md")
    assert written == [tmp_path / "empty.md"]  # no chart drawn without data
    text = written[0].read_text()
    assert "not measured (no reviews)" not in text  # reviews are counted over all time
    assert "| forwards | 0 |" in text
    assert "| decisions | 0 (none in the window) |" in text and "()" not in text  # was "0 ()"
    assert "| payment fees (sent to other nodes) | unknown (no payment sync) |" in text


def test_report_cli_writes_md_and_html(
    filled: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{filled}")
    assert main(["report", "--day", "2025-01-14", "--format", "md", "--output", str(tmp_path / "r.md")]) == 0
    out = capsys.readouterr().out
    assert f"report written to {tmp_path / 'r.md'}" in out and "r-fees.png" in out
    # The summary comes to the terminal too, not only a path (each line within 80 columns).
    summary = out.split("report written to")[0]
    assert "2025-01-14 00:00 to 2025-01-15 00:00 UTC" in summary
    for label in ("forwards", "routing fees", "rebalance cost", "net profit", "decisions"):
        assert f"  {label} " in summary
    assert " approved, " in summary and " rolled back" in summary
    assert all(len(line) <= 80 for line in summary.splitlines())
    assert main(["report", "--since", "2025-01-14", "--at", str(DAY0 + 86_000)]) == 0
    out = capsys.readouterr().out
    default = tmp_path / "data" / "reports" / "report-2025-01-14.html"
    assert str(default) in out and default.read_text().count("data:image/png;base64,") == 3
    assert main(["report", "--format", "pdf"]) == 1
    assert "--format must be one of md, html" in capsys.readouterr().err
    blocked = tmp_path / "file"
    blocked.write_text("")
    assert main(["report", "--day", "2025-01-14", "--format", "md", "--output", str(blocked / "r.md")]) == 1
    assert "cannot write the report" in capsys.readouterr().err


async def test_failed_forwards_per_channel_in_the_report(filled: Path, tmp_path: Path) -> None:
    from lnpilot.domain.htlc import HtlcEvent

    store = await Store.open_url(f"sqlite+aiosqlite:///{filled}")
    try:
        empty = await gather(store, DAY0 - 30 * 86_400, DAY0 - 29 * 86_400)
        async with store.unit_of_work() as uow:
            window = await uow.htlc.open_window(DAY0)
            chan = (await uow.channels.all())[0].chan_id
            failure = HtlcEvent(
                (DAY0 + 10) * 1_000_000_000, "link_fail", "FORWARD", 1, chan, 1, 0, 2_000_000, 1_999_000,
                "TEMPORARY_CHANNEL_FAILURE", "INSUFFICIENT_BALANCE", "insufficient bandwidth to route htlc",
            )  # fmt: skip
            await uow.htlc.add_failures([failure])
            await uow.htlc.close_window(window, DAY0 + 3_600, "stopped")
        data = await gather(store, DAY0, DAY0 + 86_400)
    finally:
        await store.close()
    assert "Unknown: no HTLC subscription" in write_report(empty, tmp_path / "e.md", "md")[0].read_text()
    text = write_report(data, tmp_path / "f.md", "md")[0].read_text()
    assert "Not covered by the HTLC subscription: 82800 s" in text
    assert "| 1 | 0 |" in text
