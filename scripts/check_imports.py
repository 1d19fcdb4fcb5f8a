"""The project's import graph: no cycle between its modules, and no import
of one of them inside a function (the usual way a cycle is hidden), except
in an AppConfig's ready(), where Django wants signal and check registrations.

    .venv/bin/python scripts/check_imports.py    (run by `make lint`)

Reads the source with `ast` (nothing is imported). Module-level imports of
the project's own modules are the graph's edges; `from a.b import c` is an
edge to the module `a.b.c` when it is one, else to `a.b`. Migrations,
tests and benchmarks are left out (they import the apps, never the reverse).
"""

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIPPED_PARTS = {".venv", "node_modules", "migrations", "tests", "benchmarks", "scripts", "var", "manage.py"}


def project_modules() -> dict[str, Path]:
    modules = {}
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT)
        if SKIPPED_PARTS & set(relative.parts) or relative.parts[0].startswith("."):
            continue
        parts = list(relative.with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        if parts:
            modules[".".join(parts)] = path
    return modules


def imported_names(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        package = module.split(".") if is_package else module.split(".")[:-1]
        package = package[: len(package) - (node.level - 1)]
        base = ".".join([*package, base] if base else package)
    return [f"{base}.{alias.name}" for alias in node.names]


def target(name: str, modules: dict[str, Path]) -> str | None:
    """The module `name` is, or the one it is a name in."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def in_ready(stack: list[ast.AST]) -> bool:
    return any(isinstance(node, ast.FunctionDef) and node.name == "ready" for node in stack)


def read_imports(module: str, path: Path, modules: dict[str, Path]) -> tuple[set[str], list[str]]:
    """The project modules `module` imports at its top level, and its imports hidden in functions."""
    is_package = path.name == "__init__.py"
    edges: set[str] = set()
    hidden: list[str] = []
    pending: list[tuple[ast.AST, list[ast.AST]]] = [(ast.parse(path.read_text(encoding="utf-8")), [])]
    while pending:
        node, stack = pending.pop()
        for child in ast.iter_child_nodes(node):
            pending.append((child, [*stack, child]))
            if not isinstance(child, (ast.Import, ast.ImportFrom)):
                continue
            found = {t for name in imported_names(child, module, is_package) if (t := target(name, modules))}
            found.discard(module)
            inside = any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) for n in stack)
            if inside and found and not in_ready(stack):
                hidden.append(f"{shown(path)}:{child.lineno}: import inside a function")
            elif not inside and not any(isinstance(n, ast.If) for n in stack):
                edges |= found
    return edges, hidden


def read_graph(modules: dict[str, Path]) -> tuple[dict[str, set[str]], list[str]]:
    graph: dict[str, set[str]] = {}
    hidden: list[str] = []
    for module, path in modules.items():
        graph[module], found = read_imports(module, path, modules)
        hidden += found
    return graph, sorted(hidden)


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph[node]):
            if successor not in index:
                connect(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
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

    sys.setrecursionlimit(10_000)
    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def main() -> int:
    modules = project_modules()
    graph, hidden = read_graph(modules)
    problems = hidden + [f"import cycle: {' <-> '.join(component)}" for component in cycles(graph)]
    for problem in problems:
        print(problem)
    edges = sum(len(targets) for targets in graph.values())
    print(f"{len(modules)} modules, {edges} imports between them: {len(problems) or 'no'} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
