"""``lnpilot status``: who the backend is, what the database holds, when each kind last synced."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import typer
from rich.table import Table

from lnpilot.cli.common import console, print_json, settings_from_env
from lnpilot.errors import LnpilotError
from lnpilot.logs import redact_text
from lnpilot.settings import Settings
from lnpilot.store.cache import make_cache

app = typer.Typer()


async def _backend_identity(settings: Settings) -> dict[str, Any]:
    """Alias, pubkey and channel count; an unreachable backend is reported, not fatal."""
    from lnpilot.backends.factory import make_backend

    try:
        backend = make_backend(settings)
    except LnpilotError as exc:
        return {"kind": settings.backend, "error": redact_text(str(exc))}
    try:
        info = await backend.get_info()
        channels = await backend.list_channels()
    except LnpilotError as exc:
        return {"kind": settings.backend, "error": redact_text(str(exc))}
    finally:
        await backend.aclose()
    return {"kind": settings.backend, "alias": info.alias, "pubkey": info.pub_key, "channels": len(channels)}


async def collect_status(settings: Settings) -> dict[str, Any]:
    from lnpilot.store import Store

    store = await Store.open(settings)
    try:
        async with store.unit_of_work() as uow:
            counts = {
                "channels": await uow.channels.count(),
                "forwarding_events": await uow.forwards.count(),
                "scores": await uow.scores.count_latest(),
                "decisions": await uow.decisions.count(),
                "transactions": await uow.transactions.count(),
            }
            marks = {m.kind: m.synced_at for m in await uow.sync_state.all()}
        database = store.kind
    finally:
        await store.close()
    cache = make_cache(settings)
    cache_kind = cache.kind
    await cache.aclose()
    return {
        "backend": await _backend_identity(settings),
        "counts": counts,
        "last_sync": marks,
        "database": database,
        "cache": cache_kind,
    }


def _when(at: int) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


@app.command("status")
def status(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Backend identity, stored counts, last sync of each kind, database and cache in use."""
    data = asyncio.run(collect_status(settings_from_env()))
    if as_json:
        print_json(data)
    else:
        render_status(data)


def render_status(data: dict[str, Any]) -> None:
    table = Table("", "", title="lnpilot status", show_header=False)
    backend = data["backend"]
    if "error" in backend:
        table.add_row("backend", f"{backend['kind']}: unreachable ({backend['error']})")
    else:
        table.add_row("backend", f"{backend['kind']}: {backend['alias']} {backend['pubkey']}")
        table.add_row("backend channels", str(backend["channels"]))
    for name, value in data["counts"].items():
        table.add_row(name.replace("_", " "), str(value))
    for kind, at in sorted(data["last_sync"].items()):
        table.add_row(f"last sync: {kind}", _when(at))
    if not data["last_sync"]:
        table.add_row("last sync", "never")
    table.add_row("database", data["database"])
    table.add_row("cache", data["cache"])
    console.print(table)
