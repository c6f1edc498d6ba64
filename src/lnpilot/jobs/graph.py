"""Graph metrics and scoring of a snapshot as a job: the rows ``lnpilot graph score`` writes.

The message names the snapshot by path (a file every worker can read: shared storage, or the
same machine) and the profile; the worker loads, measures and scores it with the same functions
as a local run and sends back the ranking rows, so a caller gets the very CSV a local run writes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lnpilot.errors import InvalidInputError


def score_rows(path: Path, profile: str, profiles: dict[str, dict[str, Any]]) -> list[dict[str, str]]:
    """Load, measure and score a snapshot: the ranking rows (what runs locally and in a job)."""
    from lnpilot.graph.ingest import load_graph
    from lnpilot.graph.metrics import compute_metrics
    from lnpilot.scoring.profiles import resolve_profile
    from lnpilot.scoring.ranking import ranking_rows, score_graph

    chosen = resolve_profile(profile, profiles)
    loaded = load_graph(path)
    if not loaded.graph.nodes:
        raise InvalidInputError(f"{path}: the snapshot has no nodes to score")
    return ranking_rows(score_graph(loaded.graph, compute_metrics(loaded.graph), chosen))


def score_request(request: dict[str, Any]) -> dict[str, Any]:
    """The job body: ``{"path", "profile", "profiles"}`` -> ``{"profile", "rows"}``."""
    rows = score_rows(
        Path(str(request["path"])), str(request["profile"]), dict(request.get("profiles") or {})
    )
    return {"profile": request["profile"], "rows": rows}
