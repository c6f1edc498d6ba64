"""Done-when (issue 18): no module under src/ imports another in a loop, and production code
never imports the simulator.

Every import counts: module level, inside functions (lazy imports still tie modules together) and
under ``TYPE_CHECKING`` (a type-only circle is still a circle in the design).
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"

# Production: whatever runs against a real node. The simulator's own package, the arena (a client
# of simnet by design), the CLI (which serves simnet for demos) and the daemon's demo may use it.
PRODUCTION = (
    "lnpilot.backends",
    "lnpilot.execution",
    "lnpilot.decisions",
    "lnpilot.api",
    "lnpilot.daemon",
    "lnpilot.safety",
    "lnpilot.scoring",
    "lnpilot.store",
    "lnpilot.sync",
    "lnpilot.views",
    "lnpilot.graph",
    "lnpilot.domain",
)
MAY_USE_SIMNET = ("lnpilot.daemon.demo",)


def _modules() -> dict[str, tuple[Path, bool]]:
    found = {}
    for path in SRC.rglob("*.py"):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        found[".".join(parts)] = (path, is_package)
    return found


def import_graph() -> dict[str, set[str]]:
    """module -> the modules of ours it imports (``from pkg import sub`` resolves to ``pkg.sub``)."""
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, (path, is_package) in modules.items():
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets.update(a.name for a in node.names if a.name in modules)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    package = name.split(".") if is_package else name.split(".")[:-1]
                    package = package[: len(package) - (node.level - 1)]
                    base = ".".join([*package, *([node.module] if node.module else [])])
                for alias in node.names:
                    full = f"{base}.{alias.name}"
                    if full in modules:
                        targets.add(full)
                    elif base in modules:
                        targets.add(base)
        targets.discard(name)
        graph[name] = targets
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_checker_finds_a_circle_and_resolves_imports() -> None:
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []
    graph = import_graph()
    # Lazy and type-only imports count: the executor imports its rollback step inside a method.
    assert "lnpilot.execution.rollback" in graph["lnpilot.execution.executor"]
    assert "lnpilot.store.store" in graph["lnpilot.store"]


def test_no_module_imports_another_in_a_loop() -> None:
    assert circles(import_graph()) == []


def test_production_code_never_imports_simnet() -> None:
    offenders = sorted(
        f"{module} -> {target}"
        for module, targets in import_graph().items()
        if module.startswith(PRODUCTION) and module not in MAY_USE_SIMNET
        for target in targets
        if target == "lnpilot.simnet" or target.startswith("lnpilot.simnet.")
    )
    assert offenders == []
