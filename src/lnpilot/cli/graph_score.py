"""``lnpilot graph score FILE --output scores.csv``: score and rank every node of a snapshot."""

from __future__ import annotations

import csv
from pathlib import Path

import typer
from rich.table import Table

from lnpilot.cli.common import console, settings_from_env
from lnpilot.errors import InvalidInputError
from lnpilot.scoring.profiles import resolve_profile
from lnpilot.scoring.ranking import CSV_COLUMNS


def score(
    file: Path = typer.Argument(
        ..., help="Graph snapshot: LND describegraph or CLN listchannels (gz/xz ok)."
    ),
    output: Path = typer.Option(..., "--output", "-o", help="CSV file to write, one row per node."),
    profile: str | None = typer.Option(None, "--profile", help="Scoring profile (default: settings)."),
    top: int = typer.Option(10, "--top", min=0, help="How many of the best nodes to print."),
    workers: int | None = typer.Option(
        None,
        "--workers",
        min=0,
        help="Score as a job (LNPILOT_BROKER_URL, REDIS_URL): start N workers here, 0 = running ones.",
    ),
) -> None:
    """Score every node of a graph snapshot from graph data alone and rank them."""
    from lnpilot.jobs.graph import score_rows

    settings = settings_from_env()
    chosen = resolve_profile(profile or settings.profile, settings.profiles)
    if workers is None:
        rows = score_rows(file, chosen.name, settings.profiles)
    else:
        from lnpilot.jobs.engine import job_config
        from lnpilot.jobs.graph_client import score_on_workers

        if not file.is_file():
            raise InvalidInputError(f"{file}: no such snapshot file")
        rows = score_on_workers(file, chosen.name, settings.profiles, job_config(settings), workers)
    try:
        with output.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(CSV_COLUMNS))
            writer.writeheader()
            writer.writerows(rows)
    except OSError as exc:
        raise InvalidInputError(f"cannot write {output}: {exc.strerror or exc}") from exc
    table = Table("rank", "alias", "pub_key", "composite", "coverage", title=f"top {top} ({chosen.name})")
    for row in rows[:top]:
        table.add_row(
            row["rank"], row["alias"], row["pub_key"][:16] + "...", row["composite"], row["coverage"]
        )
    if top:
        console.print(table)
    console.print(f"scored {len(rows)} nodes with profile {chosen.name}; wrote {output}")
