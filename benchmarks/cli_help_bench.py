"""Wall time of `lnpilot --help` and `--version` in a fresh interpreter (issue 23: <= 0.5 s).

Prints each against the reference measured in the same run: a bare `python -c pass` start-up, and
`import lnpilot.cli` of every command module (what --help cost before commands were loaded lazily).
`--small` runs 3 repetitions instead of 10; the best of each is reported.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

COMMAND_MODULES = [
    "apikey",
    "apply",
    "arena",
    "channels",
    "config",
    "db",
    "decide",
    "demo",
    "economics",
    "explain",
    "graph",
    "graph_score",
    "notify",
    "report",
    "run",
    "serve",
    "simnet",
    "status",
    "sync",
    "vault",
]


CPU: dict[str, float] = {}


def best_of(code: str, repeats: int) -> float:
    """Best wall time of ``repeats`` fresh interpreters; their best CPU time goes to ``CPU[code]``
    (on a loaded machine wall time mostly measures the wait for a core)."""
    import resource

    best = float("inf")
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
        best = min(best, time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        CPU[code] = min(CPU.get(code, float("inf")), cpu)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true", help="3 repetitions (CI)")
    repeats = 3 if parser.parse_args().small else 10
    bare = best_of("pass", repeats)
    run = "from lnpilot.cli.main import main; main({})"
    help_s = best_of(run.format(["--help"]), repeats)
    version_s = best_of(run.format(["--version"]), repeats)
    eager = best_of("; ".join(f"import lnpilot.cli.{m}" for m in COMMAND_MODULES), repeats)
    cpu = [CPU[c] for c in ("pass", run.format(["--help"]), run.format(["--version"]))]
    eager_cpu = max(CPU.values())
    print(f"python start-up (reference)            {bare * 1000:6.0f} ms wall {cpu[0] * 1000:6.0f} ms CPU")
    print(f"lnpilot --help                         {help_s * 1000:6.0f} ms wall {cpu[1] * 1000:6.0f} ms CPU")
    print(
        f"lnpilot --version                      {version_s * 1000:6.0f} ms wall {cpu[2] * 1000:6.0f} ms CPU"
    )
    print(
        f"every command module imported (before) {eager * 1000:6.0f} ms wall {eager_cpu * 1000:6.0f} ms CPU"
    )
    print(f"ratio before / --help now: {eager / help_s:.1f}x wall, {eager_cpu / cpu[1]:.1f}x CPU")
    print(f"target --help <= 500 ms: {'met' if help_s <= 0.5 else 'NOT met'} on this machine")


if __name__ == "__main__":
    main()
