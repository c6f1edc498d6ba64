"""Arena specs and results as plain JSON values, for messages between processes and machines."""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any

from lnpilot.arena.types import GraphSpec, RunResult, RunSpec


def spec_to_dict(spec: RunSpec) -> dict[str, Any]:
    return asdict(spec)


def spec_from_dict(data: dict[str, Any]) -> RunSpec:
    values = {f.name: data[f.name] for f in fields(RunSpec) if f.name in data}
    values["graph"] = GraphSpec(**data.get("graph", {}))
    return RunSpec(**values)


def result_to_dict(result: RunResult) -> dict[str, Any]:
    return asdict(result)


def result_from_dict(data: dict[str, Any]) -> RunResult:
    values = {f.name: data[f.name] for f in fields(RunResult) if f.name in data}
    values["final_fee_ppm"] = tuple(values.get("final_fee_ppm", ()))
    return RunResult(**values)
