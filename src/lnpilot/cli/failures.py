"""``lnpilot failures``: failed forwards per channel (LND's HTLC event stream) and the fees they cost."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import typer
from rich.table import Table

from lnpilot.cli.common import console, print_json, settings_from_env

_DAY_S = 86_400


def failures(
    days: float = typer.Option(1.0, "--days", help="Window ending now (days)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Forwards that failed on our side per channel, and what the liquidity failures would have earned."""
    from lnpilot.errors import InvalidInputError
    from lnpilot.store import Store
    from lnpilot.sync.htlc import failures_report

    if not 0 < days <= 36_500:
        raise InvalidInputError(f"--days must be in (0, 36500], not {days}")
    settings = settings_from_env()
    until = int(time.time()) + 1
    since = until - round(days * _DAY_S)

    async def main() -> dict[str, Any]:
        store = await Store.open(settings)
        try:
            return await failures_report(store, since, until)
        finally:
            await store.close()

    report = asyncio.run(main())
    if as_json:
        print_json(report)
        return
    if not report["known"]:
        console.print(
            "failures: unknown (no HTLC subscription covered this window; `lnpilot run` subscribes)"
        )
        return
    table = Table(title=f"failed forwards, last {days:g} day(s) (not covered: {report['gap_s']} s)")
    for column in ("chan_id", "liquidity", "fee", "time lock", "inactive", "other", "missed fees (sat)"):
        table.add_column(column, justify="right")
    for row in report["channels"]:
        kinds = row["failed_by_kind"]
        table.add_row(
            row["chan_id"],
            str(row["failed_for_liquidity"]),
            *(str(kinds[k]) for k in ("fee", "time_lock", "inactive", "other")),
            f"{row['missed_fees_msat'] / 1000:.3f}",
        )
    console.print(table)
    console.print("only liquidity failures are priced and feed the decisions; the others are shown by kind")
