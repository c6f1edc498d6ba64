"""Send a snapshot's scoring to the job workers and wait for its rows (``lnpilot graph score --workers``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lnpilot.jobs.arena import RESULT_TIMEOUT_S, JobFailed, start_local_workers, stop_workers
from lnpilot.jobs.engine import JobConfig, make_engine


def score_on_workers(
    path: Path, profile: str, profiles: dict[str, dict[str, Any]], config: JobConfig, workers: int = 0
) -> list[dict[str, str]]:
    """The ranking rows of ``path``, computed by a job worker (``workers`` of them started here)."""
    engine = make_engine(config)
    procs = start_local_workers(workers, config) if workers > 0 else []
    try:
        message = engine.graph.send({"path": str(path.resolve()), "profile": profile, "profiles": profiles})
        try:
            data = message.get_result(
                backend=engine.results, block=True, timeout=int(RESULT_TIMEOUT_S * 1000)
            )
        except Exception as exc:  # a failed actor, or a timeout: name it, one line
            raise JobFailed(f"graph job {message.message_id} failed: {type(exc).__name__}: {exc}") from None
        rows: list[dict[str, str]] = data["rows"]
        return rows
    finally:
        stop_workers(procs)
        engine.close()
