"""``lnpilot graph``: summary and per-node metrics of a public graph snapshot."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from lnpilot.cli.common import console, err_console, print_json
from lnpilot.errors import InvalidInputError
from lnpilot.graph.ingest import load_graph
from lnpilot.graph.metrics import MetricValue, metric_columns, parse_metric_names
from lnpilot.graph.stats import graph_stats

app = typer.Typer(help="Public graph snapshots: summary and per-node metrics.", no_args_is_help=True)

_FILE_HELP = "Graph snapshot: LND describegraph or Core Lightning listchannels JSON (plain, .gz or .xz)."
# below this many nodes every metric together takes well under a second: no progress display
_PROGRESS_MIN_NODES = 1000


@app.command("stats")
def stats(
    file: Path = typer.Argument(..., help=_FILE_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Nodes, channels, capacity, components, leaves, fee medians and the load report."""
    loaded = load_graph(file)
    summary = graph_stats(loaded.graph).as_dict()
    report = loaded.report.as_dict()
    if as_json:
        print_json({"stats": summary, "load_report": report})
        return
    table = Table("figure", "value", title=f"{file.name} ({report['format']})")
    for key, value in summary.items():
        table.add_row(key, "-" if value is None else f"{value:,}" if isinstance(value, int) else str(value))
    skipped = report["skipped"]
    assert isinstance(skipped, dict)
    table.add_row("skipped_records", str(report["skipped_total"]))
    for reason, count in skipped.items():
        table.add_row(f"  {reason}", str(count))
    console.print(table)


@contextmanager
def _progress(total: int, show: bool) -> Iterator[Progress | None]:
    if not show:
        yield None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=True) as progress:
        progress.add_task("metrics", total=total)
        yield progress


@app.command("metrics")
def metrics(
    file: Path = typer.Argument(..., help=_FILE_HELP),
    output: Path = typer.Option(..., "--output", "-o", help="CSV file to write, one row per node."),
    names: str | None = typer.Option(
        None, "--metrics", help="Comma-separated metric names (default: all), e.g. betweenness,pagerank."
    ),
) -> None:
    """Write one CSV row per node: pub_key and one column per metric."""
    wanted = parse_metric_names(names.split(",") if names is not None else None)
    loaded = load_graph(file)
    show = err_console.is_terminal and loaded.report.nodes >= _PROGRESS_MIN_NODES
    with _progress(len(wanted), show) as progress:

        def step(name: str) -> None:
            if progress is not None:
                task = progress.task_ids[0]
                progress.update(task, description=name)
                progress.advance(task)

        keys, columns = metric_columns(loaded.graph, wanted, progress=step)
    _write_csv(output, keys, columns)
    console.print(f"wrote {len(keys)} nodes x {len(columns)} metrics to {output}")


def _cell(value: MetricValue) -> str:
    return "" if value is None else repr(value)


def _write_csv(output: Path, keys: tuple[str, ...], columns: dict[str, list[MetricValue]]) -> None:
    names = list(columns)
    try:
        with output.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["pub_key", *names])
            for i, key in enumerate(keys):
                writer.writerow([key, *(_cell(columns[name][i]) for name in names)])
    except OSError as exc:
        raise InvalidInputError(f"cannot write {output}: {exc.strerror or exc}") from exc
