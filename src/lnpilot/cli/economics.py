"""``lnpilot pnl``, ``lnpilot ledger`` and ``lnpilot close``: the operator's money, read and moved."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from lnpilot.cli.common import console, err_console, print_json, settings_from_env
from lnpilot.cli.render import scid as _scid

if TYPE_CHECKING:
    from lnpilot.accounting.gather import Books
    from lnpilot.store.records import Coverage

app = typer.Typer()
_DAY_S = 86_400


def _window(since: str | None, until: str | None, days: float | None, at: int | None) -> tuple[int, int]:
    from lnpilot.errors import InvalidInputError
    from lnpilot.report.window import parse_time

    now = at if at is not None else int(time.time())
    end = parse_time(until) if until is not None else now + 1
    if since is not None and days is not None:
        raise InvalidInputError("give either --since or --days, not both")
    if days is not None and not 0 < days <= 36_500:
        raise InvalidInputError(f"--days must be in (0, 36500], not {days}")
    start = parse_time(since) if since is not None else end - round((days or 30) * _DAY_S)
    if start < 0 or end <= start:
        raise InvalidInputError(f"bad window: --since ({start}) must be before --until ({end})")
    return start, end


def _books(since: int, until: int) -> Books:
    from lnpilot.accounting.gather import books
    from lnpilot.store import Store

    settings = settings_from_env()

    async def main() -> Books:
        store = await Store.open(settings)
        try:
            return await books(store, since, until)
        finally:
            await store.close()

    return asyncio.run(main())


def _sat(msat: int) -> str:
    return f"{msat / 1000:,.3f}"


def _whole_sat(msat: int) -> str:
    return f"{round(msat / 1000):,}"


@app.command("pnl")
def pnl(
    since: str | None = typer.Option(None, "--since", help="Start (Unix s or ISO 8601)."),
    until: str | None = typer.Option(None, "--until", help="End, excluded (default: now)."),
    days: float | None = typer.Option(None, "--days", help="The last N days (default 30)."),
    by: str = typer.Option("node", "--by", help="node, channel or peer."),
    at: int | None = typer.Option(
        None, "--at", min=0, max=9_000_000_000, help="Take 'now' as this Unix time (simulated nodes)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Profit and loss: routing revenue, rebalance, on-chain and payment costs, return on capacity."""
    from rich.table import Table

    from lnpilot.accounting.gather import cost_note
    from lnpilot.errors import InvalidInputError
    from lnpilot.store.records import Coverage

    if by not in ("node", "channel", "peer"):
        raise InvalidInputError(f"--by must be node, channel or peer, not {by!r}")
    start, end = _window(since, until, days, at)
    result = _books(start, end)
    p = result.pnl
    lines = {"node": [p.node], "channel": list(p.channels), "peer": list(p.peers)}[by]
    if as_json:
        print_json(
            {
                "since": start,
                "until": end,
                "onchain_costs_known": result.chain_synced,
                "payments_known": result.payments_synced,
                **result.revenue_status(),
                "rows": [result.row(line) for line in lines],
            }
        )
        return
    measured = result.forwards_measured
    level = result.node_level  # the node's reported fee sum, when one covers this window
    # One row per channel or peer only fits 80 columns with whole sat (six figures of a busy
    # channel at msat precision take ~90); the node's one row keeps the msat, --json has them all.
    sat = _sat if by == "node" else _whole_sat
    unit = "sat" if by == "node" else "sat, rounded (--json: msat)"
    table = Table(title=f"P&L by {by} in {unit}, {end - start} s", show_lines=False)
    for header in (by, "revenue", "rebal", "chain", "pay fee", "net", "ROC/yr"):
        table.add_column(header, justify="left" if header == by else "right", no_wrap=True)
    for line in lines:
        roc = line.return_on_capacity(p.window_s) if measured else None
        key = {"node": line.key, "channel": _scid(line.key), "peer": line.key[:10] + "…"}[by]
        revenue, net = (
            ("not measured", "unknown") if not measured else (sat(line.revenue_msat), sat(line.net_msat))
        )
        if level is not None and by == "node":
            revenue, net = (
                f"{_sat(level.revenue_msat)} (node)",
                f"{_sat(result.node_level_net_msat(level))} (node)",
            )
        table.add_row(
            key,
            revenue,
            sat(line.rebalance_cost_msat),
            sat(line.onchain_cost_msat) if result.chain_synced else _absent(result.chain),
            sat(line.payment_fee_msat) if result.payments_synced else _absent(result.payments),
            net,
            "-" if roc is None else f"{roc:.2%}",
        )
    console.print(table)
    if not measured:
        console.print(_revenue_note(result), markup=False, soft_wrap=True)
    if level is not None:
        uncounted = result.uncounted_costs
        before = f", before {' and '.join(uncounted)} (not counted)" if uncounted else ""
        console.print(
            f"this window's routing revenue, {level.label}: {_sat(level.revenue_msat)} sat; "
            f"net (node) is it less the measured costs{before}",
            markup=False,
            soft_wrap=True,
        )
    for source, coverage in (("chain", result.chain), ("payments", result.payments)):
        note = cost_note(source, coverage)
        # "no payment sync has run" is said below, with invoices and payments
        if note is not None and (source == "chain" or coverage is Coverage.NOT_MEASURED):
            console.print(note, markup=False, soft_wrap=True)
    if result.payments_synced:
        node = p.node
        console.print(
            f"outside net: received {_sat(node.received_msat)} sat on invoices, "
            f"sent {_sat(node.sent_msat)} sat in payments",
            markup=False,
        )
    elif result.payments is Coverage.NOT_SYNCED:
        console.print("invoices and payments unknown: no payment sync has run (lnpilot sync)", markup=False)


def _absent(coverage: Coverage) -> str:
    from lnpilot.store.records import Coverage

    # "n/m" (not measured: the backend cannot give it; the note under the table says so) keeps a
    # table on LNbits within 80 columns beside a node-level revenue
    return "n/m" if coverage is Coverage.NOT_MEASURED else "unknown"


def _revenue_note(result: Books) -> str:
    """Why revenue is absent, and the node-wide fee sums the backend reported instead (labelled)."""
    from datetime import UTC, datetime

    from lnpilot.accounting.gather import REVENUE_NOT_MEASURED

    sums = result.node_fee_sums
    if sums is None:
        return f"{REVENUE_NOT_MEASURED}; no node-wide fee sums stored either (run lnpilot sync)"
    at = datetime.fromtimestamp(sums.reported_at, UTC).strftime("%Y-%m-%d %H:%M UTC")
    figures = ", ".join(
        f"past {period} {'not reported' if value is None else f'{value:,} sat'}"
        for period, value in (("day", sums.day_sat), ("week", sums.week_sat), ("month", sums.month_sat))
    )
    where = f"node-wide routing fees the node reported at {at} (not per channel)"
    return f"{REVENUE_NOT_MEASURED}; {where}: {figures}"


@app.command("ledger")
def ledger_cmd(
    since: str | None = typer.Option(None, "--since", help="Start (Unix s or ISO 8601)."),
    until: str | None = typer.Option(None, "--until", help="End, excluded (default: now)."),
    days: float | None = typer.Option(None, "--days", help="The last N days (default 30)."),
    fmt: str = typer.Option("csv", "--format", help="csv, json or bos (bos accounting layout)."),
    output: Path | None = typer.Option(None, "--output", "-o", help="File to write (default: stdout)."),
    at: int | None = typer.Option(
        None, "--at", min=0, max=9_000_000_000, help="Take 'now' as this Unix time (simulated nodes)."
    ),
) -> None:
    """Every balance-changing event, stable ids: forwards, rebalances, chain, invoices, payments."""
    from lnpilot.accounting import ledger
    from lnpilot.errors import InvalidInputError

    if fmt not in ("csv", "json", "bos"):
        raise InvalidInputError(f"--format must be csv, json or bos, not {fmt!r}")
    start, end = _window(since, until, days, at)
    result = _books(start, end)
    events = list(result.events)
    text = (
        ledger.to_csv(events)
        if fmt == "csv"
        else ledger.to_bos_csv(events)
        if fmt == "bos"
        else ledger.to_json(events, result.totals, result.revenue_status())
    )
    if not result.forwards_measured and fmt != "json":
        # CSV has no room for "unknown": the note goes to stderr, the file stays a clean ledger.
        err_console.print(f"note: {_revenue_note(result)}", markup=False, soft_wrap=True)
    if output is None:
        sys.stdout.write(text)
        return
    output.write_text(text)
    console.print(f"{len(events)} events written to {output}", markup=False, soft_wrap=True)


@app.command("close")
def close(
    channel_point: str = typer.Argument(..., help="The channel's funding outpoint, txid:index."),
    force: bool = typer.Option(False, "--force", help="Force close (peer offline past the set time)."),
    sat_per_vbyte: int | None = typer.Option(
        None, "--sat-per-vbyte", help="Fee rate; default: the fee API's estimate for the close target."
    ),
    yes: bool = typer.Option(False, "--yes", help="Confirm without asking (a close cannot be undone)."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Close a channel on the allow-list, in live mode, after a confirmation."""
    from lnpilot.backends.factory import make_backend
    from lnpilot.backends.mempool import fetch_recommended
    from lnpilot.errors import InvalidInputError
    from lnpilot.execution.close import CloseRequest, close_channel
    from lnpilot.execution.guard import node_guard
    from lnpilot.execution.node_clock import node_now
    from lnpilot.store import Store

    settings = settings_from_env()
    eco = settings.economics
    if sat_per_vbyte is not None and not 0 < sat_per_vbyte <= 10_000:
        raise InvalidInputError(f"--sat-per-vbyte must be in 1..10000, not {sat_per_vbyte}")
    confirmed = yes or (
        sys.stdin.isatty() and typer.confirm(f"Close {channel_point}{' by force' if force else ''}?")
    )

    async def main() -> dict[str, object]:
        rate = sat_per_vbyte
        if rate is None and not force:
            if eco.fee_api_url is None:
                raise InvalidInputError(
                    "no fee rate: set [economics] fee_api_url or pass --sat-per-vbyte; nothing was sent"
                )
            estimates = await fetch_recommended(str(eco.fee_api_url), timeout_s=eco.fee_api_timeout_s)
            rate = estimates.rate(eco.close_target)
        store = await Store.open(settings)
        backend = make_backend(settings)
        try:
            request = CloseRequest(channel_point, force, rate, confirmed)
            clock = await node_now(settings, backend)  # the node's clock, as apply and the daemon
            outcome = await close_channel(
                backend,
                store,
                eco,
                request,
                mode=settings.execution.mode,
                now=clock.now,
                guard=node_guard(settings, backend, store),  # the node's lock, like every change
            )
        finally:
            await backend.aclose()
            await store.close()
        return outcome.to_dict()

    result = asyncio.run(main())
    if as_json:
        print_json(result)
        return
    console.print(
        f"tx {result['tx_id']}: {result['status']}: {result['detail']}", markup=False, soft_wrap=True
    )
    if result["status"] != "pending_close":
        raise typer.Exit(1)


suggest_app = typer.Typer(help="Suggestions to act on by hand.")


@suggest_app.command("peers")
def suggest_peers(
    limit: int = typer.Option(10, "--limit", min=1, max=100, help="How many suggestions."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Nodes worth opening a channel to, from the latest synced graph, with reasons."""
    from rich.table import Table

    from lnpilot.backends.factory import make_backend
    from lnpilot.store import Store
    from lnpilot.suggest.gather import peer_suggestions

    settings = settings_from_env()

    async def main() -> list[dict[str, object]]:
        backend = make_backend(settings)
        try:
            us = (await backend.get_info()).pub_key
        finally:
            await backend.aclose()
        store = await Store.open(settings)
        try:
            found = await peer_suggestions(store, us=us, profile=settings.profile, limit=limit)
        finally:
            await store.close()
        return [s.to_dict() for s in found]

    rows = asyncio.run(main())
    if as_json:
        print_json(rows)
        return
    table = Table(title="peers worth opening to")
    for header in ("#", "node", "index", "capacity sat"):
        table.add_column(header, no_wrap=True, justify="left" if header == "node" else "right")
    for rank, row in enumerate(rows, 1):
        name = str(row["alias"] or "") or str(row["pub_key"])[:20] + "…"
        table.add_row(
            str(rank), name, f"{float(str(row['index'])):.3g}", f"{row['suggested_capacity_sat']:,}"
        )
    console.print(table)
    for rank, row in enumerate(rows[:3], 1):
        reasons = row["reasons"]
        assert isinstance(reasons, list)
        console.print(f"{rank}. {row['pub_key']}", markup=False, soft_wrap=True)
        for reason in reasons:
            console.print(f"   - {reason}", markup=False, soft_wrap=True)
