"""lnpilot itself as an arena contestant: the production daemon cycle, live mode, simnet's clock.

The same ``Daemon`` as ``lnpilot run`` (sync -> scores -> ``decide_and_apply`` -> rollback
watch), handed the run's backend and clock, with a fresh SQLite store of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from lnpilot.arena.node import ArenaNode
from lnpilot.arena.types import DAY_S, RunSpec
from lnpilot.daemon.cycle import CycleReport
from lnpilot.daemon.loop import Daemon
from lnpilot.execution.plan import Mode
from lnpilot.metrics.registry import Metrics
from lnpilot.settings import Settings

PROFILES = ("conservative", "balanced", "aggressive")


def pilot_settings(profile: str, spec: RunSpec, data_dir: Path) -> Settings:
    return Settings(
        backend="simnet",
        data_dir=data_dir,
        # The run's own lock directory: a simulated node's key repeats across runs of one seed,
        # and concurrent arenas on one host must not exclude each other as one real node would.
        lock_dir=data_dir / "locks",
        database_url=f"sqlite+aiosqlite:///{data_dir / 'arena.db'}",
        log_level="WARNING",
        profile=profile,
        execution={"mode": Mode.LIVE.value},
        # simnet's public graph changes little: one snapshot a week, as in the demo.
        daemon={"cycle_seconds": spec.cycle_hours * 3600, "graph_refresh_seconds": 7 * DAY_S},
    )


async def run_pilot(
    profile: str,
    spec: RunSpec,
    node: ArenaNode,
    data_dir: Path,
    on_cycle: Callable[[CycleReport | None], None],
) -> tuple[int, int]:
    """Run the daemon for the spec's cycles; (cycles completed, cycles failed)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    settings = pilot_settings(profile, spec, data_dir)
    clock = node.clock
    metrics = Metrics(clock=lambda: float(clock.now()))
    daemon = Daemon(settings, backend=node.backend, clock=clock, metrics=metrics, mode=Mode.LIVE)
    await daemon.run(max_cycles=spec.cycles, on_cycle=on_cycle)
    return daemon.cycles, daemon.failures
