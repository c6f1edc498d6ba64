"""``lnpilot apikey``: create (shown once), list and revoke API keys."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import typer
from rich.table import Table

from lnpilot.cli.common import console, print_json, settings_from_env
from lnpilot.errors import InvalidInputError, NotFoundError

app = typer.Typer(help="Create, list and revoke API keys of the scoring service.", no_args_is_help=True)


async def _with_store(body: Any) -> Any:
    from lnpilot.store import Store

    store = await Store.open(settings_from_env())
    try:
        async with store.unit_of_work() as uow:
            return await body(uow)
    finally:
        await store.close()


@app.command("create")
def create(
    scope: str = typer.Option("read", "--scope", help="read or admin."),
    name: str = typer.Option("default", "--name", help="A label to recognise the key by."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Create a key; it is printed once and only its hash is stored."""
    if scope not in ("read", "admin"):
        raise InvalidInputError(f"--scope must be read or admin, not {scope!r}")

    async def body(uow: Any) -> Any:
        return await uow.api_keys.create(name, scope, int(time.time()))

    record, key = asyncio.run(_with_store(body))
    if as_json:
        print_json({"id": record.id, "name": record.name, "scope": record.scope, "key": key})
        return
    print(key)
    console.print(f"key {record.id} ({record.scope}) created; it will not be shown again", style="dim")


@app.command("list")
def list_keys(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Every key: id, name, prefix, scope, dates (never the key)."""

    async def body(uow: Any) -> Any:
        return await uow.api_keys.all()

    rows = [
        {
            "id": r.id,
            "name": r.name,
            "prefix": r.prefix,
            "scope": r.scope,
            "created_at": r.created_at,
            "last_used_at": r.last_used_at,
            "revoked_at": r.revoked_at,
        }
        for r in asyncio.run(_with_store(body))
    ]
    if as_json:
        print_json(rows)
        return
    from lnpilot.cli.render import local_time

    # Local dates to the minute (raw Unix seconds in --json).
    table = Table("id", "name", "prefix", "scope", "created", "last used", "revoked", title="API keys")
    for row in rows:
        when = [
            local_time(row[k]) if row[k] is not None else ""
            for k in ("created_at", "last_used_at", "revoked_at")
        ]
        table.add_row(str(row["id"]), str(row["name"]), str(row["prefix"]), str(row["scope"]), *when)
    console.print(table)


@app.command("revoke")
def revoke(
    key_id: int = typer.Argument(..., min=1, max=2**63 - 1, help="The key's id (see apikey list)."),
) -> None:
    """Revoke a key at once."""

    async def body(uow: Any) -> Any:
        return await uow.api_keys.revoke(key_id, int(time.time()))

    if not asyncio.run(_with_store(body)):
        raise NotFoundError(f"no active API key with id {key_id}")
    console.print(f"key {key_id} revoked")
