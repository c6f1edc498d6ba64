"""A whole comparison or sweep: specs for every (strategy, seed), runs, summaries, files."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from lnpilot.arena.market import market_name
from lnpilot.arena.output import (
    comparison_document,
    profit_chart,
    ratio_chart,
    render_table,
    sweep_chart,
    write_html,
    write_json,
)
from lnpilot.arena.runner import run_many, validate_spec
from lnpilot.arena.stats import Summary, ratios_to_best, summarize
from lnpilot.arena.strategies import DEFAULT_STRATEGIES, REFERENCES
from lnpilot.arena.types import RunResult, RunSpec
from lnpilot.errors import InvalidInputError

DEFAULT_SWEEP_PPM = (0, 25, 50, 100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 4000, 5000)


@dataclass(frozen=True, slots=True)
class Comparison:
    base: RunSpec  # everything but strategy and seed
    strategies: tuple[str, ...] = DEFAULT_STRATEGIES
    seeds: tuple[int, ...] = (1, 2, 3)
    references: tuple[str, ...] = REFERENCES

    def specs(self) -> list[RunSpec]:
        if not self.strategies or not self.seeds:
            raise InvalidInputError("an arena needs at least one strategy and one seed")
        specs = [replace(self.base, strategy=s, seed=seed) for s in self.strategies for seed in self.seeds]
        for spec in specs:
            validate_spec(spec)
        return specs

    def config(self) -> dict[str, Any]:
        base = asdict(self.base)
        base.pop("strategy")
        base.pop("seed")
        return {**base, "strategies": list(self.strategies), "seeds": list(self.seeds)}


@dataclass
class ComparisonOutcome:
    results: list[RunResult]
    summaries: list[Summary]
    table: str
    json_path: Path
    html_path: Path
    extra: dict[str, Any] = field(default_factory=dict)


# How the specs get run: locally (run_many) or by job workers (lnpilot.jobs.arena), same results.
Runner = Callable[[Sequence[RunSpec], int, Callable[[RunResult], None] | None], list[RunResult]]


def _local(
    specs: Sequence[RunSpec], jobs: int, on_done: Callable[[RunResult], None] | None
) -> list[RunResult]:
    return run_many(specs, jobs=jobs, on_done=on_done)


def run_comparison(
    comp: Comparison,
    out_dir: Path,
    jobs: int = 1,
    on_done: Callable[[RunResult], None] | None = None,
    runner: Runner = _local,
) -> ComparisonOutcome:
    results = runner(comp.specs(), jobs, on_done)
    references = [r for r in comp.references if r in comp.strategies]
    summaries = summarize(results, references)
    title = (
        f"lnpilot arena: {comp.base.graph.label}, market {market_name(comp.base.market)}, "
        f"{comp.base.channels} channels, {comp.base.days:g} days"
    )
    table = render_table(summaries, title)
    stem = f"arena-{comp.base.graph.label.split('.')[0]}-{market_name(comp.base.market)}"
    json_path, html_path = out_dir / f"{stem}.json", out_dir / f"{stem}.html"
    write_json(json_path, comparison_document(comp.config(), results, summaries))
    charts = [profit_chart(summaries, results)]
    ratios = ratio_chart(ratios_to_best(results, references), [s.strategy for s in summaries])
    if ratios is not None:
        charts.append(ratios)
    write_html(html_path, title, table, charts, comp.config())
    return ComparisonOutcome(results, summaries, table, json_path, html_path)


def sweep_specs(base: RunSpec, seeds: Sequence[int], fees_ppm: Sequence[int]) -> list[RunSpec]:
    if not fees_ppm or not seeds:
        raise InvalidInputError("a sweep needs at least one fee and one seed")
    return [replace(base, strategy=f"uniform-{ppm}", seed=s) for s in seeds for ppm in fees_ppm]


def sweep_curves(results: Sequence[RunResult]) -> dict[int, list[tuple[int, int]]]:
    """seed -> [(fee ppm, routing revenue msat)] sorted by fee."""
    curves: dict[int, list[tuple[int, int]]] = {}
    for r in results:
        ppm = int(r.strategy.removeprefix("uniform-"))
        curves.setdefault(r.seed, []).append((ppm, r.fees_earned_msat))
    return {seed: sorted(points) for seed, points in curves.items()}


def best_fee(points: Sequence[tuple[int, int]]) -> tuple[int, bool]:
    """(fee with the most revenue, whether it is interior: neither the lowest nor highest fee)."""
    ppm, _ = max(points, key=lambda p: (p[1], -p[0]))
    return ppm, points[0][0] < ppm < points[-1][0]


def run_sweep(
    base: RunSpec,
    seeds: Sequence[int],
    fees_ppm: Sequence[int],
    out_dir: Path,
    jobs: int = 1,
    on_done: Callable[[RunResult], None] | None = None,
    runner: Runner = _local,
) -> ComparisonOutcome:
    results = runner(sweep_specs(base, seeds, fees_ppm), jobs, on_done)
    curves = sweep_curves(results)
    lines = [
        f"lnpilot arena --sweep: {base.graph.label}, market {market_name(base.market)}, "
        f"{base.channels} channels, {base.days:g} days"
    ]
    header = "seed  " + "  ".join(f"{p:>8}" for p in sorted(set(fees_ppm))) + "   best ppm  interior"
    lines += [header, "-" * len(header)]
    best: dict[int, dict[str, Any]] = {}
    for seed, points in curves.items():
        ppm, interior = best_fee(points)
        best[seed] = {"best_ppm": ppm, "interior": interior}
        cells = "  ".join(f"{v / 1000:>8,.0f}" for _, v in points)
        lines.append(f"{seed:<4}  {cells}   {ppm:>8}  {'yes' if interior else 'no'}")
    lines.append("(routing revenue in sat per fee rate in ppm)")
    table = "\n".join(lines)
    config = {**asdict(base), "seeds": list(seeds), "fees_ppm": list(fees_ppm)}
    config.pop("strategy")
    config.pop("seed")
    stem = f"sweep-{base.graph.label.split('.')[0]}-{market_name(base.market)}"
    json_path, html_path = out_dir / f"{stem}.json", out_dir / f"{stem}.html"
    document = {
        "kind": "sweep",
        "config": config,
        "curves": {str(s): [{"fee_ppm": p, "revenue_msat": v} for p, v in pts] for s, pts in curves.items()},
        "best": {str(s): b for s, b in best.items()},
        "runs": [r.to_json() for r in results],
    }
    write_json(json_path, document)
    write_html(html_path, "lnpilot arena --sweep", table, [sweep_chart(curves)], config)
    return ComparisonOutcome(results, [], table, json_path, html_path, extra={"best": best})
