"""``lnpilot report``: decisions and why, executions and rollbacks, revenue, fee and balance history."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path

import typer

from lnpilot.cli.common import console, err_console, settings_from_env


def report(
    day: str | None = typer.Option(None, "--day", help="One UTC day, e.g. 2025-01-14."),
    since: str | None = typer.Option(None, "--since", help="From this time (Unix s or ISO 8601) to now."),
    fmt: str = typer.Option("html", "--format", help="md (charts as PNG files beside it) or html."),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="File to write (default: <data dir>/reports/report-<day>.<format>)."
    ),
    at: int | None = typer.Option(
        None, "--at", min=0, max=9_000_000_000, help="Take 'now' as this Unix time (simulated nodes)."
    ),
) -> None:
    """Write a report of what lnpilot decided, executed and earned (default: the last 24 hours)."""
    from lnpilot.errors import InvalidInputError
    from lnpilot.report.data import gather
    from lnpilot.report.render import FORMATS, render_text, write_report
    from lnpilot.report.window import window
    from lnpilot.store import Store

    settings = settings_from_env()
    if fmt not in FORMATS:
        raise InvalidInputError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    now = at if at is not None else int(time.time())
    start, end = window(now, day, since)
    path = output or settings.data_dir / "reports" / (
        f"report-{datetime.fromtimestamp(start, UTC).date().isoformat()}.{fmt}"
    )

    async def main() -> tuple[str, list[Path]]:
        store = await Store.open(settings)
        try:
            data = await gather(store, start, end)
        finally:
            await store.close()
        return render_text(data), write_report(data, path, fmt)

    if err_console.is_terminal:  # a spinner while the window is read and the charts drawn
        with err_console.status("gathering the report and drawing its charts"):
            summary, written = asyncio.run(main())
    else:
        summary, written = asyncio.run(main())
    console.print(summary, markup=False, highlight=False)
    console.print(f"report written to {written[0]}", markup=False, soft_wrap=True)
    for extra in written[1:]:
        console.print(f"  chart {extra}", markup=False, soft_wrap=True)
