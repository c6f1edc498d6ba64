"""Entry point: assembles the command groups and turns expected errors into one line + exit code."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import typer
from typer._click import exceptions as typer_errors

from lnpilot import __version__
from lnpilot.cli import apikey as apikey_cli
from lnpilot.cli import apply as apply_cli
from lnpilot.cli import arena as arena_cli
from lnpilot.cli import channels as channels_cli
from lnpilot.cli import config as config_cli
from lnpilot.cli import db as db_cli
from lnpilot.cli import decide as decide_cli
from lnpilot.cli import demo as demo_cli
from lnpilot.cli import economics as economics_cli
from lnpilot.cli import failures as failures_cli
from lnpilot.cli import graph as graph_cli
from lnpilot.cli import graph_score as graph_score_cli
from lnpilot.cli import notify as notify_cli
from lnpilot.cli import report as report_cli
from lnpilot.cli import run as run_cli
from lnpilot.cli import serve as serve_cli
from lnpilot.cli import simnet as simnet_cli
from lnpilot.cli import status as status_cli
from lnpilot.cli import sync as sync_cli
from lnpilot.cli import vault as vault_cli
from lnpilot.cli import web as web_cli
from lnpilot.cli import worker as worker_cli
from lnpilot.cli.common import err_console
from lnpilot.errors import LnpilotError
from lnpilot.logs import redact_text

app = typer.Typer(
    name="lnpilot",
    help="Autopilot for Lightning routing nodes and a scoring service for the public graph.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(config_cli.app, name="config")
app.add_typer(db_cli.app, name="db")
app.add_typer(sync_cli.app)  # sync
app.add_typer(status_cli.app)  # status
app.add_typer(graph_cli.app, name="graph")
graph_cli.app.command("score")(graph_score_cli.score)
app.add_typer(notify_cli.app, name="notify")
app.add_typer(simnet_cli.app, name="simnet")
app.add_typer(apply_cli.app)  # apply, transactions, rollback
app.add_typer(decide_cli.app)  # decide
app.add_typer(vault_cli.app, name="vault")
app.add_typer(economics_cli.app)  # pnl, ledger, close
app.add_typer(economics_cli.suggest_app, name="suggest")
app.add_typer(apikey_cli.app, name="apikey")
app.add_typer(web_cli.app, name="web")
app.command("serve")(serve_cli.serve)
app.command("channels")(channels_cli.channels)
app.command("failures")(failures_cli.failures)
app.command("run")(run_cli.run)
app.command("report")(report_cli.report)
app.command("demo")(demo_cli.demo)
app.command("worker")(worker_cli.worker)
app.command("jobs")(worker_cli.jobs)
app.command("arena")(arena_cli.arena)


def _version(value: bool) -> None:
    if value:
        print(f"lnpilot {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version."
    ),
) -> None:
    """lnpilot: dry-run by default, validated, logged, verified, reversible."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code; expected errors print one line, never a traceback."""
    try:
        result = app(args=list(argv) if argv is not None else None, standalone_mode=False)
    except LnpilotError as exc:
        err_console.print(f"error: {redact_text(str(exc))}", markup=False, highlight=False)
        return 1
    except typer.Abort:
        err_console.print("aborted", markup=False)
        return 130
    except typer_errors.ClickException as exc:
        exc.show()
        return int(exc.exit_code)
    except typer.Exit as exc:
        return int(exc.exit_code)
    return result if isinstance(result, int) else 0


def run() -> None:
    sys.exit(main())
