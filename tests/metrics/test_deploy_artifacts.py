"""The Grafana dashboard and alert rules only name metrics the registry exports, and promtool accepts
the rules and their unit tests."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from lnpilot.metrics import Metrics

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "prometheus" / "alerts.yml"
RULES_TEST = ROOT / "deploy" / "prometheus" / "alerts_test.yml"
DASHBOARD = ROOT / "deploy" / "grafana" / "lnpilot.json"

_KEYWORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool",
    "offset", "inf", "nan",
}  # fmt: skip
_IDENT = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_SUFFIXES = {"counter": ("_total", "_created"), "histogram": ("_bucket", "_sum", "_count", "_created")}


def promql_metric_names(expr: str) -> set[str]:
    """Metric names in a PromQL expression: identifiers that are not functions, keywords, label
    names (inside braces or grouping clauses), strings, durations or Grafana variables."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'', '""', expr)
    text = re.sub(r"\{[^}]*\}", "", text)
    text = re.sub(r"\[[^\]]*\]", "", text)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", text)
    text = re.sub(r"\$\w+", "", text)
    names = set()
    for match in _IDENT.finditer(text):
        word = match.group(0)
        rest = text[match.end() :].lstrip()
        if rest.startswith("(") or word.lower() in _KEYWORDS:
            continue
        if text[: match.start()].endswith(tuple("0123456789.")):
            continue  # the "e" or unit of a number such as 1e3
        names.add(word)
    return names


def exported_sample_names(metrics: Metrics) -> set[str]:
    names = set()
    for family in metrics.registry.collect():
        names.add(family.name)
        names.update(family.name + suffix for suffix in _SUFFIXES.get(family.type, ()))
    return names


def _rule_exprs() -> list[str]:
    data = yaml.safe_load(RULES.read_text())
    return [rule["expr"] for group in data["groups"] for rule in group["rules"]]


def _dashboard_exprs(dashboard: dict[str, Any]) -> list[str]:
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    for var in dashboard["templating"]["list"]:
        if var["type"] == "query":
            query = var["query"]["query"] if isinstance(var["query"], dict) else var["query"]
            exprs.append(re.sub(r"^label_values\((.*),\s*\w+\)$", r"\1", query))
    return exprs


def test_the_name_extractor_sees_through_promql_syntax() -> None:
    expr = (
        'histogram_quantile(0.95, sum by (le, route) (rate(api_seconds_bucket{status=~"5..", x="a b"}'
        "[$__rate_interval]))) / on (instance) group_left (job) up_total offset 5m > 1e3 and bool other"
    )
    assert promql_metric_names(expr) == {"api_seconds_bucket", "up_total", "other"}
    assert promql_metric_names("time() - last_ts_seconds > 6 * 3600") == {"last_ts_seconds"}


def test_every_metric_the_rules_and_dashboard_name_is_exported() -> None:
    exported = exported_sample_names(Metrics())
    dashboard = json.loads(DASHBOARD.read_text())
    used = {
        name for expr in _rule_exprs() + _dashboard_exprs(dashboard) for name in promql_metric_names(expr)
    }
    assert used, "no metric names found: the extractor or the files are broken"
    assert used - exported == set()
    # Every family is on the dashboard or in a rule, so nothing exported is invisible to the operator;
    # the snapshot's timestamp is shown as its age.
    families = {f.name for f in Metrics().registry.collect()}
    stems = {re.sub(r"_(total|bucket|sum|count)$", "", name) for name in used} | used
    assert families - stems == {"lnpilot_graph_snapshot_timestamp_seconds"}


def test_the_dashboard_is_well_formed() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    assert (
        dashboard["uid"] and dashboard["title"] == "lnpilot" and isinstance(dashboard["schemaVersion"], int)
    )
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    for panel in dashboard["panels"]:
        pos = panel["gridPos"]
        assert 0 <= pos["x"] and pos["x"] + pos["w"] <= 24 and pos["h"] > 0
        if panel["type"] == "row":
            continue
        assert panel["targets"], panel["title"]
        refs = [t["refId"] for t in panel["targets"]]
        assert len(refs) == len(set(refs))
        assert panel["datasource"]["uid"] == "${datasource}"


def test_every_alert_has_severity_and_summary() -> None:
    data = yaml.safe_load(RULES.read_text())
    rules = [rule for group in data["groups"] for rule in group["rules"]]
    assert {r["alert"] for r in rules} >= {
        "LnpilotBackendDown", "LnpilotNoRecentSync", "LnpilotRollbackSpike", "LnpilotApiErrorRate",
        "LnpilotBackendErrorRate", "LnpilotApiLatencyHigh",
    }  # fmt: skip
    for rule in rules:
        assert rule["labels"]["severity"] in {"critical", "warning", "info"}
        assert rule["annotations"]["summary"] and rule["annotations"]["description"]


def _promtool() -> str:
    path = shutil.which("promtool")
    if path is None:
        message = "promtool not installed (Debian package 'prometheus')"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"{message}; CI=true: .ci/run should have installed it")
        pytest.skip(message)
    return path


@pytest.mark.parametrize(("command", "target"), [("check", RULES), ("test", RULES_TEST)])
def test_promtool_accepts_the_rules_and_their_unit_tests(command: str, target: Path) -> None:
    result = subprocess.run(
        [_promtool(), command, "rules", str(target)], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout + result.stderr
