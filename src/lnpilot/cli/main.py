"""Entry point: assembles the command groups and turns expected errors into one line + exit code."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import typer
from typer._click import exceptions as typer_errors

from lnpilot import __version__
from lnpilot.cli.lazy import LazyGroup

# Command modules are imported only when their command runs (lnpilot.cli.lazy.REGISTRY): --help and
# --version must not pay for SQLAlchemy, numba or matplotlib. A new command is one registry line.
app = typer.Typer(
    name="lnpilot",
    cls=LazyGroup,
    help="Autopilot for Lightning routing nodes and a scoring service for the public graph.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        print(f"lnpilot {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version."
    ),
    node: str | None = typer.Option(
        None, "--node", help="The fleet node ([nodes.NAME]) a command acts on (default: LNPILOT_NODE)."
    ),
) -> None:
    """lnpilot: dry-run by default, validated, logged, verified, reversible."""
    import lnpilot.cli

    lnpilot.cli.selected_node = node


def _say(line: str) -> None:
    from lnpilot.cli.common import err_console
    from lnpilot.logs import redact_text

    err_console.print(redact_text(line), markup=False, highlight=False)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code; every error is one line, never a traceback.

    Exit codes (docs/reliability.md): 0 ok, 1 error, 2 usage, 130 interrupted, 70 internal error
    (a bug: the line names the exception; LNPILOT_LOG_LEVEL=DEBUG prints the traceback);
    ``lnpilot status`` adds 3 config, 4 unreachable, 5 TLS, 6 authentication.
    """
    import lnpilot.cli
    from lnpilot.errors import LnpilotError

    lnpilot.cli.selected_node = None
    try:
        result = app(args=list(argv) if argv is not None else None, standalone_mode=False)
    except LnpilotError as exc:
        _say(f"error: {exc}")
        return getattr(exc, "exit_code", 1)
    except (typer.Abort, KeyboardInterrupt):
        _say("aborted")
        return 130
    except typer_errors.UsageError as exc:  # one line too: what was wrong and where help is
        where = exc.ctx.command_path if exc.ctx is not None else "lnpilot"
        message = " ".join(exc.format_message().split())
        _say(f"error: {message} (see '{where} --help')")
        return int(exc.exit_code)
    except typer_errors.ClickException as exc:
        _say(f"error: {' '.join(exc.format_message().split())}")
        return int(exc.exit_code)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except OSError as exc:  # a file or port the operator named: their input, said in one line
        where = f" {exc.filename}" if exc.filename else ""
        _say(f"error: {exc.strerror or type(exc).__name__}{where}")
        return 1
    except Exception as exc:  # a bug: one line by default, the traceback only when asked for
        import os

        if os.environ.get("LNPILOT_LOG_LEVEL", "").upper() == "DEBUG":
            import traceback

            traceback.print_exc()
        _say(
            f"error: internal error ({type(exc).__name__}: {str(exc)[:200]}); "
            "rerun with LNPILOT_LOG_LEVEL=DEBUG"
        )
        return 70
    return result if isinstance(result, int) else 0


def run() -> None:
    sys.exit(main())
