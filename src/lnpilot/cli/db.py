"""``lnpilot db``: migrate the database and apply retention."""

from __future__ import annotations

import asyncio
import time

import typer

from lnpilot.cli.common import console, print_json, settings_from_env
from lnpilot.store import Store, migrate
from lnpilot.store.engine import database_errors, database_kind, make_engine

app = typer.Typer(help="Database schema and retention.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Apply every pending migration (also done automatically whenever lnpilot opens the store)."""
    settings = settings_from_env()
    url = settings.database_url_effective

    async def main() -> tuple[str | None, str | None]:
        engine = make_engine(url)
        try:
            async with database_errors(url):
                before = await migrate.current_revision(engine)
                return before, await migrate.upgrade(engine)
        finally:
            await engine.dispose()

    before, after = asyncio.run(main())
    data = {"database": database_kind(url), "from_revision": before, "revision": after}
    if as_json:
        print_json(data)
    elif before == after:
        console.print(f"{data['database']} database already at revision {after}")
    else:
        console.print(f"{data['database']} database upgraded from {before or 'empty'} to revision {after}")


@app.command("current")
def current(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Show the schema revision in place and the newest one this lnpilot knows."""
    settings = settings_from_env()
    url = settings.database_url_effective

    async def main() -> str | None:
        engine = make_engine(url)
        try:
            async with database_errors(url):
                return await migrate.current_revision(engine)
        finally:
            await engine.dispose()

    data = {"database": database_kind(url), "revision": asyncio.run(main()), "head": migrate.head_revision()}
    if as_json:
        print_json(data)
    else:
        console.print(f"{data['database']}: revision {data['revision'] or 'none'} (newest {data['head']})")


@app.command("prune")
def prune(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Delete history older than the ``[store]`` retention settings."""
    settings = settings_from_env()

    async def main() -> dict[str, int]:
        store = await Store.open(settings)
        try:
            report = await store.prune(int(time.time()))
        finally:
            await store.close()
        return {
            "channel_snapshots": report.channel_snapshots,
            "graph_snapshots": report.graph_snapshots,
            "score_history": report.score_history,
        }

    data = asyncio.run(main())
    if as_json:
        print_json(data)
    else:
        console.print(", ".join(f"{value} {name.replace('_', ' ')} removed" for name, value in data.items()))
