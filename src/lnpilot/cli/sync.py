"""``lnpilot sync``: pull channels, fees, forwards, closed channels and the graph into the store."""

from __future__ import annotations

import asyncio
import os
import sys

import typer
from rich.table import Table

from lnpilot.cli.common import console, err_console, print_json, settings_from_env
from lnpilot.errors import InvalidInputError
from lnpilot.sync.job import KINDS, SyncJob, SyncReport
from lnpilot.sync.progress import make_progress

app = typer.Typer()

# Crash-test hook: after this many committed pages of forwards, say so on stderr and stop
# making progress, so a test can SIGKILL the process at a known point.
PAUSE_ENV = "LNPILOT_SYNC_PAUSE_AFTER_PAGES"
PAUSED_MARKER = "sync paused after page"


@app.command("sync")
def sync(
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    only: list[str] = typer.Option([], "--only", help=f"Sync only these kinds ({', '.join(KINDS)})."),
    force_graph: bool = typer.Option(False, "--force-graph", help="Fetch the graph even if recent."),
    no_graph: bool = typer.Option(False, "--no-graph", help="Leave the graph out."),
) -> None:
    """Pull our node's state from the configured backend into the database (idempotent, resumable)."""
    unknown = sorted(set(only) - set(KINDS))
    if unknown:
        raise InvalidInputError(f"--only: unknown kind {', '.join(unknown)}; choose from {', '.join(KINDS)}")
    kinds = tuple(k for k in KINDS if (not only or k in only) and not (no_graph and k == "graph"))
    settings = settings_from_env()
    pause_after = int(os.environ.get(PAUSE_ENV, "0") or 0)

    async def after_page(pages: int) -> None:
        if pause_after and pages >= pause_after:
            print(f"{PAUSED_MARKER} {pages}", file=sys.stderr, flush=True)
            await asyncio.Event().wait()

    async def main() -> SyncReport:
        from lnpilot.backends.factory import make_backend
        from lnpilot.execution.node_clock import node_now
        from lnpilot.store import Store

        backend = make_backend(settings)
        try:
            store = await Store.open(settings)
            try:
                progress = make_progress(err_console, enabled=not as_json)
                job = SyncJob(
                    backend,
                    store,
                    settings.sync,
                    graph_max_age_s=settings.daemon.graph_refresh_seconds,
                    progress=progress,
                    after_page=after_page if pause_after else None,
                )
                now = (await node_now(settings, backend)).now()  # the node's clock, as the daemon's
                with progress:
                    return await job.run(now, kinds, force_graph)
            finally:
                await store.close()
        finally:
            await backend.aclose()

    report = asyncio.run(main())
    if as_json:
        print_json(report.as_dict())
    else:
        render_report(report)


def render_report(report: SyncReport) -> None:
    table = Table("what", "result", title="lnpilot sync")
    table.add_row("open channels", str(report.channels))
    table.add_row("policy changes recorded", str(report.policy_changes))
    table.add_row("forwarding events", f"{report.forwards_added} new of {report.forwards_fetched} read")
    table.add_row("newly closed channels", str(report.closed_channels_new))
    graph = "kept" if report.graph_snapshot_id is None else f"snapshot {report.graph_snapshot_id}"
    table.add_row("graph", graph + (f" ({report.graph_nodes} nodes)" if report.graph_nodes else ""))
    for kind, why in report.skipped.items():
        table.add_row(f"skipped: {kind}", why)
    console.print(table)
