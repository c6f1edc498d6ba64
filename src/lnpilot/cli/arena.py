"""``lnpilot arena``: fee strategies side by side on simnet, over the same seeds and market."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import typer

from lnpilot.cli.common import err_console
from lnpilot.errors import InvalidInputError


def _progress_bar(total: int) -> Any:
    """A started Rich bar over ``total`` runs on an interactive stderr, else None."""
    if not err_console.is_terminal:
        return None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("arena runs"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err_console
    )
    bar.add_task("runs", total=total)
    bar.start()
    return bar


def _optional_float(value: Any) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise InvalidInputError(f"payments_per_day must be a number, got {value!r}") from None


def _pick(cli: Any, file: dict[str, Any], key: str, default: Any) -> Any:
    if cli is not None:
        return cli
    return file.get(key, default)


def arena(
    strategies: str | None = typer.Option(
        None,
        "--strategies",
        help="Comma-separated strategies (default: every reference and lnpilot profile).",
    ),
    seeds: str | None = typer.Option(None, "--seeds", help="A count (3 -> seeds 1,2,3) or a list (4,7)."),
    days: float | None = typer.Option(None, "--days", help="Simulated days per run (default 30)."),
    cycle_hours: float | None = typer.Option(None, "--cycle-hours", help="Hours per cycle (default 6)."),
    channels: int | None = typer.Option(None, "--channels", help="Our node's channels (default 8)."),
    graph: Path | None = typer.Option(None, "--graph", help="A graph snapshot file (default: generated)."),
    nodes: int | None = typer.Option(None, "--nodes", help="Size of the generated graph (default 300)."),
    start_fees: str | None = typer.Option(
        None, "--start-fees", help="lnd (LND's defaults, default) or market (competitors' median)."
    ),
    market: str | None = typer.Option(
        None, "--market", help="Market preset (default, mainnet-2025, fee-sensitive, sink-heavy) or TOML."
    ),
    config: Path | None = typer.Option(None, "--config", help="An arena TOML ([arena], [market])."),
    jobs: int | None = typer.Option(None, "--jobs", help="Local worker processes (default 1)."),
    workers: int | None = typer.Option(
        None,
        "--workers",
        help="Run on job workers (LNPILOT_BROKER_URL, REDIS_URL): start this many here (0: only "
        "workers already running, e.g. on other machines).",
    ),
    out: Path = typer.Option(Path("arena-results"), "--out", help="Directory for the JSON and HTML."),
    sweep: bool = typer.Option(False, "--sweep", help="Revenue against one uniform fee instead."),
    sweep_fees: str | None = typer.Option(None, "--sweep-fees", help="Comma-separated ppm for --sweep."),
    transport: str = typer.Option("inprocess", "--transport", help="inprocess (default) or https."),
) -> None:
    """Run fee strategies on simnet and print net profit, forwards, updates, flips with 95 % intervals."""
    from lnpilot.arena.compare import DEFAULT_SWEEP_PPM, Comparison, run_comparison, run_sweep
    from lnpilot.arena.config import load_arena_file, parse_fees, parse_list, parse_seeds
    from lnpilot.arena.market import market_source
    from lnpilot.arena.node import load_arena_graph
    from lnpilot.arena.strategies import DEFAULT_STRATEGIES, REFERENCES
    from lnpilot.arena.types import GraphSpec, RunSpec
    from lnpilot.logs import configure_logging

    configure_logging("console", "WARNING")
    file_arena: dict[str, Any] = {}
    market_text = None
    if config is not None:
        loaded = load_arena_file(config)
        file_arena, market_text = loaded.arena, loaded.market
    if market is not None:
        market_text = market_source(market)
    graph_path = str(graph) if graph is not None else file_arena.get("graph")
    if graph_path is not None and not Path(graph_path).is_file():
        raise InvalidInputError(f"no such graph file: {graph_path}")
    n_jobs = int(_pick(jobs, file_arena, "jobs", 1))
    if n_jobs < 1:
        raise InvalidInputError(f"--jobs must be at least 1, got {n_jobs}")
    base = RunSpec(
        strategy="static-lnd",
        seed=1,
        graph=GraphSpec(nodes=int(_pick(nodes, file_arena, "nodes", 300)), path=graph_path),
        channels=int(_pick(channels, file_arena, "channels", 8)),
        days=float(_pick(days, file_arena, "days", 30.0)),
        cycle_hours=float(_pick(cycle_hours, file_arena, "cycle_hours", 6.0)),
        payments_per_day=_optional_float(file_arena.get("payments_per_day")),
        start_fees=str(_pick(start_fees, file_arena, "start_fees", "lnd")),
        market=market_text,
        transport=transport,
    )
    seed_list = parse_seeds(_pick(seeds, file_arena, "seeds", 3))
    names = parse_list(_pick(strategies, file_arena, "strategies", list(DEFAULT_STRATEGIES)))
    started = time.perf_counter()

    runs = len(seed_list) * (
        len(parse_fees(_pick(sweep_fees, file_arena, "sweep_fees", list(DEFAULT_SWEEP_PPM))))
        if sweep
        else len(names)
    )
    # A bar on a terminal only: pipes, files and CI logs get the plain per-run lines.
    bar = _progress_bar(runs)

    def done(result: Any) -> None:
        err_console.print(
            f"  {result.strategy} seed {result.seed}: {result.net_profit_msat / 1000:,.0f} sat",
            markup=False,
            highlight=False,
        )
        if bar is not None:
            bar.advance(bar.task_ids[0])

    runner_kw: dict[str, Any] = {}
    if workers is not None:
        runner_kw["runner"] = _job_runner(workers)
    try:
        if sweep:
            fees = parse_fees(_pick(sweep_fees, file_arena, "sweep_fees", list(DEFAULT_SWEEP_PPM)))
            outcome = run_sweep(base, seed_list, fees, out, jobs=n_jobs, on_done=done, **runner_kw)
        else:
            comp = Comparison(base=base, strategies=names, seeds=seed_list, references=REFERENCES)
            comp.specs()  # validates every name before the graph is loaded
            load_arena_graph(base.graph)
            outcome = run_comparison(comp, out, jobs=n_jobs, on_done=done, **runner_kw)
    finally:
        if bar is not None:
            bar.stop()
    print(outcome.table)
    print(f"wrote {outcome.json_path} and {outcome.html_path} in {time.perf_counter() - started:.0f} s")


def _job_runner(workers: int) -> Any:
    """Run the specs on Dramatiq workers (issue 25); the table is the same as a local run's."""
    from lnpilot.cli.common import settings_from_env
    from lnpilot.jobs.arena import run_on_workers
    from lnpilot.jobs.engine import job_config

    if workers < 0:
        raise InvalidInputError(f"--workers must be 0 or more, got {workers}")
    config = job_config(settings_from_env())
    return lambda specs, _jobs, on_done: run_on_workers(specs, config, workers, on_done)
