"""``lnpilot status``: who the backend is, what the database holds, when each kind last synced."""

from __future__ import annotations

import asyncio
from typing import Any

import typer

from lnpilot.cli.common import print_json, settings_from_env
from lnpilot.errors import LnpilotError
from lnpilot.logs import redact_text
from lnpilot.settings import Settings
from lnpilot.store.cache import make_cache

app = typer.Typer()


# Documented exit codes of `lnpilot status` (docs/reliability.md): scripts and monitors can tell
# a typo in the settings from a node that is down, a certificate that changed or a bad macaroon.
EXIT_OK, EXIT_CONFIG, EXIT_UNREACHABLE, EXIT_TLS, EXIT_AUTH = 0, 3, 4, 5, 6
_PROBLEMS = {EXIT_CONFIG: "config", EXIT_UNREACHABLE: "unreachable", EXIT_TLS: "tls", EXIT_AUTH: "auth"}


def problem_code(exc: LnpilotError) -> int:
    """The exit code of a backend failure, by its type (never by its message)."""
    from lnpilot.backends.base import AuthenticationError, PermissionDenied
    from lnpilot.backends.http import TlsVerificationFailed
    from lnpilot.errors import ConfigError

    if isinstance(exc, TlsVerificationFailed):
        return EXIT_TLS
    if isinstance(exc, AuthenticationError | PermissionDenied):
        return EXIT_AUTH
    if isinstance(exc, ConfigError):
        return EXIT_CONFIG
    return EXIT_UNREACHABLE


def _failed(settings: Settings, exc: LnpilotError) -> dict[str, Any]:
    code = problem_code(exc)
    return {
        "kind": settings.backend,
        "problem": _PROBLEMS[code],
        "exit_code": code,
        "error": redact_text(str(exc)),
    }


async def _backend_identity(settings: Settings) -> dict[str, Any]:
    """Alias, pubkey and channel count; a failing backend is reported with its kind of problem."""
    from lnpilot.backends.factory import make_backend

    if settings.backend == "simnet" and settings.lnd_rest_url is None:
        return {
            "kind": "simnet",
            "problem": "not_configured",
            "exit_code": EXIT_OK,
            "error": "no node configured",
        }
    try:
        backend = make_backend(settings)
    except LnpilotError as exc:
        return _failed(settings, exc)
    try:
        info = await backend.get_info()
        channels = await backend.list_channels()
    except LnpilotError as exc:
        return _failed(settings, exc)
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


@app.command("status")
def status(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Backend identity, stored counts, last sync of each kind, database and cache in use.

    Exit codes: 0 ok (or no node configured), 3 configuration error, 4 node unreachable,
    5 TLS certificate not the pinned one, 6 macaroon/key refused or missing.
    """
    settings = settings_from_env()
    from lnpilot.settings import semantic_problems

    problems = semantic_problems(settings)
    if problems:  # the same checks as `config check`: a config error is never called "unreachable"
        from lnpilot.errors import ConfigError

        error = ConfigError("; ".join(problems))
        error.exit_code = EXIT_CONFIG  # type: ignore[attr-defined]
        raise error
    data = asyncio.run(collect_status(settings))
    if as_json:
        print_json(data)
    else:
        render_status(data)
    code = int(data["backend"].get("exit_code", EXIT_OK))
    if code:
        raise typer.Exit(code)


def render_status(data: dict[str, Any]) -> None:
    """Aligned ``name  value`` lines: the 66-character pubkey fits 80 columns whole."""
    from lnpilot.cli.render import local_time

    rows: list[tuple[str, str]] = []
    backend = data["backend"]
    if "error" in backend:
        problem = str(backend.get("problem", "unreachable")).replace("_", " ")
        rows.append(("backend", f"{backend['kind']}: {problem} ({backend['error']})"))
    else:
        rows.append(("backend", f"{backend['kind']}: {backend['alias']}"))
        rows.append(("pubkey", str(backend["pubkey"])))
        rows.append(("node channels", str(backend["channels"])))
    for name, value in data["counts"].items():
        rows.append((name.replace("_", " "), str(value)))
    for kind, at in sorted(data["last_sync"].items()):
        rows.append((f"synced {kind}", local_time(at)))
    if not data["last_sync"]:
        rows.append(("last sync", "never"))
    rows.append(("database", data["database"]))
    rows.append(("cache", data["cache"]))
    width = max(len(name) for name, _ in rows)
    print("lnpilot status")
    for name, value in rows:
        pad = width if width + 2 + len(value) <= 80 else len(name)  # keep the pubkey whole in 80
        print(f"{name:<{pad}}  {value}")
