"""``lnpilot demo``: simnet in-process, the daemon in live mode over N simulated days, a summary.

The same ``Daemon`` as ``lnpilot run``, on simnet's clock: each wait between cycles advances the
simulated clock (and runs that span's traffic) instead of sleeping. Every figure of the summary
is read back from the store, with simnet's ground truth beside it.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lnpilot.daemon.clock import SimnetClock
from lnpilot.daemon.cycle import CycleReport
from lnpilot.daemon.loop import Daemon
from lnpilot.execution.plan import Mode
from lnpilot.metrics.registry import Metrics
from lnpilot.settings import Settings

_DAY_S = 86_400


@dataclass(frozen=True, slots=True)
class DemoOptions:
    days: float = 14.0
    cycle_hours: float = 6.0
    nodes: int = 300
    channels: int = 8
    seed: int = 1
    graph: Path | None = None
    data_dir: Path | None = None
    mode: Mode = Mode.LIVE


@dataclass
class DemoResult:
    data_dir: Path
    report_path: Path
    cycles: int
    failed_cycles: int
    since: int
    until: int
    summary: dict[str, Any]
    truth: dict[str, Any] = field(default_factory=dict)


def _settings(options: DemoOptions, data_dir: Path, handle: Any) -> Settings:
    db = data_dir / "demo.db"
    db.unlink(missing_ok=True)  # a fresh store per run
    return Settings(
        backend="simnet",
        data_dir=data_dir,
        database_url=f"sqlite+aiosqlite:///{db}",
        lnd_rest_url=handle.url,
        lnd_tls_cert_path=handle.tls_cert_path,
        lnd_macaroon_path=handle.admin_macaroon_path,
        log_level="WARNING",
        execution={"mode": options.mode.value},
        # simnet's public graph does not change: one snapshot a week is plenty.
        daemon={"cycle_seconds": options.cycle_hours * 3600, "graph_refresh_seconds": 7 * _DAY_S},
    )


async def run_demo(
    options: DemoOptions,
    on_cycle: Callable[[CycleReport | None], None] | None = None,
    on_stage: Callable[[str], None] | None = None,
) -> DemoResult:
    from lnpilot.report.data import gather
    from lnpilot.report.render import write_report
    from lnpilot.simnet.testing import make_simulation, running_simnet
    from lnpilot.store import Store

    stage = on_stage or (lambda _text: None)
    data_dir = options.data_dir or Path(tempfile.mkdtemp(prefix="lnpilot-demo-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    cycle_s = options.cycle_hours * 3600
    cycles = max(1, round(options.days * _DAY_S / cycle_s))
    stage("building the simulated network")
    sim = make_simulation(
        nodes=options.nodes, channels=options.channels, seed=options.seed, graph_path=options.graph
    )
    with running_simnet(data_dir / "simnet", sim=sim) as handle:
        settings = _settings(options, data_dir, handle)
        since = handle.sim.now_s
        clock = SimnetClock(handle.url, handle.macaroon_hex(), handle.tls_cert_path)
        metrics = Metrics(clock=lambda: clock.now_or(time.time()))
        daemon = Daemon(settings, clock=clock, metrics=metrics, mode=options.mode)
        stage(f"running the daemon ({options.mode.value}) for {cycles} cycles of {options.cycle_hours:g} h")
        await daemon.run(max_cycles=cycles, on_cycle=on_cycle)
        until = handle.sim.now_s + 1
        truth = handle.sim.truth()
        store = await Store.open(settings)
        try:
            data = await gather(store, since, until)
        finally:
            await store.close()
    report_path = data_dir / "demo-report.html"
    stage("writing the report")
    write_report(data, report_path, "html")
    return DemoResult(
        data_dir=data_dir,
        report_path=report_path,
        cycles=daemon.cycles,
        failed_cycles=daemon.failures,
        since=since,
        until=until,
        summary=data.summary(),
        truth={
            k: truth[k]
            for k in ("forwards", "fees_earned_msat", "rebalance_fees_paid_msat", "policy_updates")
        },
    )
