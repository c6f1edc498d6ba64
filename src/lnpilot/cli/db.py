"""``lnpilot db``: migrate, back up, restore and check the database, and apply retention."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import typer

from lnpilot.cli.common import console, print_json, settings_from_env
from lnpilot.errors import ConfigError
from lnpilot.store import Store, migrate
from lnpilot.store.backup import backup, backup_before_upgrade, default_backup_path, restore
from lnpilot.store.dbcheck import check_store
from lnpilot.store.engine import database_errors, database_kind, make_engine

app = typer.Typer(help="Database schema, backups and retention.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Apply every pending migration (also done automatically whenever lnpilot opens the store)."""
    settings = settings_from_env()
    url = settings.database_url_effective

    async def main() -> tuple[str | None, str | None, str | None]:
        engine = make_engine(url)
        try:
            async with database_errors(url):
                before = await migrate.current_revision(engine)
                saved = await backup_before_upgrade(engine, url, settings.data_dir / "backups")
                return before, await migrate.upgrade(engine), str(saved.path) if saved else None
        finally:
            await engine.dispose()

    before, after, saved = asyncio.run(main())
    data = {"database": database_kind(url), "from_revision": before, "revision": after, "backup": saved}
    if as_json:
        print_json(data)
    elif before == after:
        console.print(f"{data['database']} database already at revision {after}")
    else:
        console.print(f"{data['database']} database upgraded from {before or 'empty'} to revision {after}")
        if saved:
            console.print(f"backup taken first: {saved}", markup=False, highlight=False)


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
    """Delete history older than the [store] retention settings."""
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


@app.command("backup")
def backup_cmd(
    path: Path | None = typer.Argument(None, help="Backup file (default: DATA_DIR/backups/lnpilot-...)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Copy the database while lnpilot runs (SQLite online backup API; pg_dump custom format)."""
    settings = settings_from_env()
    url = settings.database_url_effective
    result = backup(url, path or default_backup_path(settings.data_dir / "backups", url))
    data = {"database": result.kind, "path": str(result.path), "size_bytes": result.size_bytes}
    if as_json:
        print_json(data)
    else:
        console.print(
            f"{result.kind} backup written to {result.path} ({result.size_bytes} bytes)", markup=False
        )


@app.command("restore")
def restore_cmd(
    path: Path = typer.Argument(..., help="A file written by `lnpilot db backup`."),
    yes: bool = typer.Option(False, "--yes", help="Really replace the database (stop the daemon first)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Replace the database with a backup; without --yes only says what it would do."""
    settings = settings_from_env()
    url = settings.database_url_effective
    if not path.is_file():
        raise ConfigError(f"no such backup file: {path}")
    if not yes:
        raise ConfigError(f"restore would replace the {database_kind(url)} database with {path}; pass --yes")
    restore(url, path)

    async def after() -> tuple[str | None, bool]:
        engine = make_engine(url)
        try:
            async with database_errors(url):
                report = await check_store(engine)
                return report.revision, report.ok
        finally:
            await engine.dispose()

    revision, ok = asyncio.run(after())
    data = {"database": database_kind(url), "restored_from": str(path), "revision": revision, "at_head": ok}
    if as_json:
        print_json(data)
    else:
        console.print(f"{data['database']} database restored from {path} (revision {revision})", markup=False)
        if not ok:
            console.print(
                "the restored schema is not at head: run `lnpilot db upgrade`, then `lnpilot db check`"
            )


@app.command("check")
def check_cmd(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Check the schema is at head and every table reads; exit 1 with one line when not."""
    settings = settings_from_env()
    url = settings.database_url_effective

    async def main() -> dict[str, object]:
        engine = make_engine(url)
        try:
            async with database_errors(url):
                report = await check_store(engine)
        finally:
            await engine.dispose()
        return {
            "database": database_kind(url),
            "revision": report.revision,
            "head": report.head,
            "rows": report.rows,
            "problems": list(report.problems),
        }

    data = asyncio.run(main())
    if as_json:
        print_json(data)
    if data["problems"]:
        raise ConfigError("db check: " + "; ".join(str(p) for p in data["problems"]))  # type: ignore[attr-defined]
    if not as_json:
        rows = data["rows"]
        total = sum(rows.values()) if isinstance(rows, dict) else 0
        console.print(
            f"{data['database']} database OK: revision {data['revision']} (head), {total} rows readable"
        )
