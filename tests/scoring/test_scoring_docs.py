"""docs/scoring.md states the numbers; these tests keep them equal to the code's."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from lnpilot.domain.scores import HEURISTICS
from lnpilot.scoring.profiles import BUILTIN_PROFILES

DOC = Path(__file__).resolve().parents[2] / "docs" / "scoring.md"


def _table(header: str) -> list[list[str]]:
    """Rows of the markdown table whose header line starts with ``| header |``."""
    lines = DOC.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {header} |"))
    head = [c.strip() for c in lines[start].strip("|").split("|")]
    rows = [head]
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in line.strip("|").split("|")])
    return rows


def test_weights_table_matches_profiles() -> None:
    rows = _table("heuristic | conservative")
    head, body = rows[0], rows[1:]
    assert head[1:] == ["conservative", "balanced", "aggressive"]
    assert [r[0] for r in body] == list(HEURISTICS)
    for row in body:
        for profile, cell in zip(head[1:], row[1:], strict=True):
            assert BUILTIN_PROFILES[profile].weights[row[0]] == pytest.approx(float(cell)), (profile, row[0])


def _resolve(dotted: str) -> object:
    module_name, attr, *key = dotted.split(".")
    for package in ("lnpilot.scoring.heuristics", "lnpilot.scoring"):
        try:
            module = importlib.import_module(f"{package}.{module_name}")
            break
        except ModuleNotFoundError:
            continue
    else:
        raise AssertionError(f"no module for {dotted}")
    value = getattr(module, attr)
    if isinstance(value, type):
        return getattr(value(), key[0])
    return value[key[0]] if key else value


def test_constants_table_matches_code() -> None:
    rows = _table("constant")[1:]
    assert len(rows) >= 40
    for name, cell in rows:
        assert _resolve(name) == pytest.approx(float(cell)), name


def test_every_component_weight_is_documented() -> None:
    documented = {r[0] for r in _table("constant")[1:]}
    for module_name in (
        "centrality",
        "activity",
        "competitiveness",
        "reliability",
        "age_stability",
        "peer_quality",
    ):
        module = importlib.import_module(f"lnpilot.scoring.heuristics.{module_name}")
        for key in module.WEIGHTS:
            assert f"{module_name}.WEIGHTS.{key}" in documented
