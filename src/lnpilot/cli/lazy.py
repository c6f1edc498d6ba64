"""Commands loaded only when run: ``lnpilot --help`` and ``--version`` import no command module.

Each command module pulls in its own stack (SQLAlchemy, numba, matplotlib, httpx...); importing all
of them took 3.5-9 s before the first line of help. The registry below names every top-level
command, the module that defines it and its one-line help; the module is imported when the
command (or its own ``--help``) runs. ``tests/cli/test_lazy_cli.py`` checks the registry's help
equals each command's own.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

import typer
import typer.main
from typer.core import TyperGroup


@dataclass(frozen=True, slots=True)
class Entry:
    module: str
    attr: str  # a Typer app ("app") or a command function
    kind: str  # "group": a sub-app; "member": one command of a nameless sub-app; "function"
    help: str


def _e(module: str, attr: str, kind: str, help: str) -> Entry:
    return Entry(f"lnpilot.cli.{module}", attr, kind, help)


REGISTRY: dict[str, Entry] = {
    "apikey": _e("apikey", "app", "group", "Create, list and revoke API keys of the scoring service."),
    "apply": _e(
        "apply",
        "app",
        "member",
        "Decide, validate and execute; without --execute only record what would be done.",
    ),
    "arena": _e(
        "arena",
        "arena",
        "function",
        "Run fee strategies on simnet and print net profit, forwards, updates, flips with 95 % intervals.",
    ),
    "channels": _e(
        "channels",
        "channels",
        "function",
        "Score our channels from the store: eight heuristics and the composite, best first.",
    ),
    "close": _e(
        "economics", "app", "member", "Close a channel on the allow-list, in live mode, after a confirmation."
    ),
    "config": _e("config", "app", "group", "Show and check the effective settings."),
    "db": _e("db", "app", "group", "Database schema, backups and retention."),
    "decide": _e(
        "decide",
        "app",
        "member",
        "Show each channel's decision, proposed policy, confidence, reasons and verdict. Executes nothing.",
    ),
    "demo": _e(
        "demo",
        "demo",
        "function",
        "Start simnet in-process, run the daemon over simulated days, print a summary, write the report.",
    ),
    "explain": _e("explain", "explain", "function", "Every reason of the latest decision on one channel."),
    "failures": _e(
        "failures",
        "failures",
        "function",
        "Forwards that failed on our side per channel, and what the liquidity failures would have earned.",
    ),
    "graph": _e("graph", "app", "group", "Public graph snapshots: summary and per-node metrics."),
    "jobs": _e(
        "worker",
        "jobs",
        "function",
        "Jobs waiting, running, retrying and failed, and the workers consuming, per queue.",
    ),
    "ledger": _e(
        "economics",
        "app",
        "member",
        "Every balance-changing event, stable ids: forwards, rebalances, chain, invoices, payments.",
    ),
    "notify": _e("notify", "app", "group", "Notifications: configured channels and a test message."),
    "pnl": _e(
        "economics",
        "app",
        "member",
        "Profit and loss: routing revenue, rebalance, on-chain and payment costs, return on capacity.",
    ),
    "report": _e(
        "report",
        "report",
        "function",
        "Write a report of what lnpilot decided, executed and earned (default: the last 24 hours).",
    ),
    "rollback": _e(
        "apply",
        "app",
        "member",
        "Restore the backed-up policies of the channels a transaction changed, verified by read-back.",
    ),
    "run": _e(
        "run",
        "run",
        "function",
        "Run the autopilot loop until SIGTERM/SIGINT (graceful: the current step finishes).",
    ),
    "schedule": _e(
        "worker",
        "schedule",
        "function",
        "Enqueue every fleet node's cycle on its interval, for the job workers to run.",
    ),
    "serve": _e("serve", "serve", "function", "Serve the Lightning Scoring Service (OpenAPI docs at /docs)."),
    "simnet": _e("simnet", "app", "group", "The simulated routing node that speaks LND's REST API."),
    "status": _e(
        "status",
        "app",
        "member",
        "Backend identity, stored counts, last sync of each kind, database and cache in use.",
    ),
    "suggest": _e("economics", "suggest_app", "group", "Suggestions to act on by hand."),
    "sync": _e(
        "sync",
        "app",
        "member",
        "Pull our node's state from the configured backend into the database (idempotent, resumable).",
    ),
    "transactions": _e("apply", "app", "member", "The transaction log, newest first."),
    "vault": _e("vault", "app", "group", "Macaroons encrypted at rest (key: MACAROON_ENCRYPTION_KEY)."),
    "web": _e("web", "app", "group", "The web dashboard (/ui on lnpilot serve)."),
    "worker": _e(
        "worker",
        "worker",
        "function",
        "Run one job worker (LNPILOT_BROKER_URL for RabbitMQ, REDIS_URL for results); start one per core.",
    ),
}


def load_command(name: str) -> Any:
    """Import the module behind ``name`` and build its click command (the real one)."""
    entry = REGISTRY[name]
    module = importlib.import_module(entry.module)
    target = getattr(module, entry.attr)
    if entry.kind == "function":
        holder = typer.Typer(rich_markup_mode=None, add_completion=False)
        holder.command(name)(target)
        command = typer.main.get_command(holder)
    else:
        if name == "graph":  # `graph score` lives in its own module
            from lnpilot.cli import graph_score

            if not any(c.name == "score" for c in target.registered_commands):
                target.command("score")(graph_score.score)
        target.rich_markup_mode = None  # help texts are plain: Rich markup ate ``...`` and [...]
        if entry.kind == "group":  # as add_typer(name=...) did: a group even with one command
            holder = typer.Typer(rich_markup_mode=None, add_completion=False)
            holder.add_typer(target, name=name)
            command = typer.main.get_command(holder).commands[name]  # type: ignore[attr-defined]
        else:
            command = typer.main.get_command(target)
            if isinstance(command, TyperGroup):
                command = command.commands[name]
    command.name = name
    return command


class LazyGroup(TyperGroup):
    """The root group: lists the registry, loads a command only when it is looked up to run."""

    _listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(REGISTRY))

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        found = super().get_command(ctx, cmd_name)
        if found is not None or cmd_name not in REGISTRY:
            return found
        if self._listing:  # the root --help needs only the name and one line
            from typer.core import TyperCommand

            return TyperCommand(cmd_name, help=REGISTRY[cmd_name].help, short_help=REGISTRY[cmd_name].help)
        return load_command(cmd_name)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False
