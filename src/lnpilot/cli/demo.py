"""``lnpilot demo`` (``make demo``): two simulated weeks of a live autopilot, in about a minute."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from lnpilot.cli.common import console, settings_from_env
from lnpilot.execution.plan import Mode

if TYPE_CHECKING:
    from lnpilot.daemon.demo import DemoResult


def _sat(msat: object) -> str:
    return f"{int(str(msat)) / 1000:,.0f} sat"


def demo(
    days: float = typer.Option(14.0, "--days", min=0.25, max=366, help="Simulated days to run."),
    cycle_hours: float = typer.Option(
        6.0, "--cycle-hours", min=0.5, max=48, help="Simulated hours per cycle."
    ),
    nodes: int = typer.Option(300, "--nodes", min=20, help="Size of the generated graph."),
    channels: int = typer.Option(8, "--channels", min=2, max=50, help="Our node's channels."),
    seed: int = typer.Option(1, "--seed", help="Seed of the generated graph and traffic."),
    graph: Path | None = typer.Option(
        None, "--graph", help="A graph snapshot file instead of a generated graph."
    ),
    data_dir: Path | None = typer.Option(
        None, "--data-dir", help="Where to keep the store and report (default: a new temp dir)."
    ),
    mode: str = typer.Option("live", "--mode", help="live (default), pilot or shadow."),
) -> None:
    """Start simnet in-process, run the daemon over simulated days, print a summary, write the report."""
    from lnpilot.daemon.cycle import CycleReport
    from lnpilot.daemon.demo import DemoOptions, run_demo

    settings_from_env(log_level="WARNING")  # logging set-up; the demo builds its own settings
    options = DemoOptions(
        days=days,
        cycle_hours=cycle_hours,
        nodes=nodes,
        channels=channels,
        seed=seed,
        graph=graph,
        data_dir=data_dir,
        mode=Mode.parse(mode),
    )
    total = max(1, round(days * 24 / cycle_hours))
    started = time.perf_counter()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        task = progress.add_task("starting", total=total)

        def on_cycle(report: CycleReport | None) -> None:
            if report is None:
                progress.update(task, advance=1, description="cycle failed (see log)")
                return
            day = (report.started_at - first[0]) / 86_400 if first else 0.0
            first[:] = first or [report.started_at]
            progress.update(
                task, advance=1, description=f"day {day:4.1f}: {report.forwards_added} new forwards"
            )

        first: list[int] = []
        result = asyncio.run(
            run_demo(options, on_cycle, lambda text: progress.update(task, description=text))
        )
    _print_summary(result, days, mode, time.perf_counter() - started)
    if result.failed_cycles and not result.cycles:
        raise typer.Exit(1)


def _print_summary(result: DemoResult, days: float, mode: str, elapsed: float) -> None:
    s, t = result.summary, result.truth
    table = Table(
        "", "measured (store)", "simnet ground truth", title=f"lnpilot demo: {days:g} simulated days, {mode}"
    )
    table.add_row("routing revenue", _sat(s["fees_msat"]), _sat(t["fees_earned_msat"]))
    table.add_row("forwards", str(s["forwards"]), str(t["forwards"]))
    table.add_row(
        "decisions by type", ", ".join(f"{v} {k}" for k, v in sorted(s["decisions"].items())) or "none", ""
    )
    table.add_row(
        "executed items", ", ".join(f"{v} {k}" for k, v in sorted(s["executed"].items())) or "none", ""
    )
    table.add_row("policy updates", "", str(t["policy_updates"]))
    table.add_row("rollbacks", str(s["rollbacks"]), "")
    table.add_row("rebalance cost", _sat(s["rebalance_cost_msat"]), _sat(t["rebalance_fees_paid_msat"]))
    console.print(table)
    console.print(
        f"{result.cycles} cycles ({result.failed_cycles} failed) in {elapsed:.0f} s; "
        f"data in {result.data_dir}",
        markup=False,
        soft_wrap=True,
    )
    console.print(f"report: {result.report_path}", markup=False, soft_wrap=True)
    console.print(dashboard_hint(result.data_dir), markup=False, soft_wrap=True)


def dashboard_hint(data_dir: Path) -> str:
    """How to open the web dashboard (/ui) on the demo's store."""
    db = f"DATABASE_URL=sqlite+aiosqlite:///{data_dir / 'demo.db'}"
    return (
        f"dashboard: {db} lnpilot apikey create --scope admin --name demo  (prints a key), then "
        f"{db} lnpilot serve  and open http://127.0.0.1:8000/ui/ and sign in with that key"
    )
