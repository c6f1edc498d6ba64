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


def best_of(code: str, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
        best = min(best, time.perf_counter() - started)
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
    print(f"python start-up (reference)          {bare * 1000:8.0f} ms")
    print(f"lnpilot --help                       {help_s * 1000:8.0f} ms  ({help_s / bare:.1f}x start-up)")
    print(
        f"lnpilot --version                    {version_s * 1000:8.0f} ms  ({version_s / bare:.1f}x start-up)"
    )
    print(
        f"every command module imported (before) {eager * 1000:6.0f} ms  ({eager / help_s:.1f}x --help now)"
    )
    print(f"target --help <= 500 ms: {'met' if help_s <= 0.5 else 'NOT met'} on this machine")


if __name__ == "__main__":
    main()
