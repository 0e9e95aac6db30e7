"""The house's rules, read from the code: stages import one way, and no module circle.

The order below is the pipeline's, from records to the command line; a module may import from
its own stage or from any stage before it, never after. docs/architecture.md draws it.
"""

from __future__ import annotations

import ast
import tomllib
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "briefing"

# Each stage: a folder of briefing/, or a module at its top.
LAYERS = (
    ("__init__", "errors", "faults", "models"),
    ("config",),
    ("store",),
    ("text",),
    ("runtime",),
    ("fetch",),
    ("extract",),
    ("stories",),
    ("compose",),
    ("render",),
    ("pipeline",),
    ("deliver",),
    ("demo",),
    ("cli", "__main__"),
)
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path) -> set[str]:
    """Every briefing module `path` imports, at the top, in functions or for typing alike."""
    tree = ast.parse(path.read_text(), str(path))
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package.pop()
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            target = ".".join(base + (node.module.split(".") if node.module else []))
            if target.split(".")[0] != "briefing":
                continue
            found.add(target)
            found.update(f"{target}.{a.name}" for a in node.names)  # from . import module
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "briefing")
    return found


def graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    edges: dict[str, set[str]] = defaultdict(set)
    for name, path in modules.items():
        edges[name] = {t for t in imports(path) if t in modules and t != name}
    return edges


def stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in list(edges):
        if v not in index:
            visit(v)
    return found


def test_no_module_imports_another_that_imports_it_back() -> None:
    assert circles(graph()) == []


def test_every_stage_is_placed_in_the_order() -> None:
    assert {stage(m) for m in graph()} <= set(RANK)


def test_imports_point_from_later_stages_to_earlier_ones() -> None:
    backwards = [
        f"{a} -> {b}"
        for a, targets in graph().items()
        for b in targets
        if RANK[stage(a)] < RANK[stage(b)]
    ]
    assert backwards == []


def test_the_circle_check_sees_a_circle() -> None:
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c"]]


def test_the_wheel_lists_every_package_of_the_tree() -> None:
    with (PACKAGE.parent / "pyproject.toml").open("rb") as f:
        listed = set(tomllib.load(f)["tool"]["setuptools"]["packages"])
    folders = {module_name(p) for p in PACKAGE.rglob("__init__.py")}
    assert listed == folders | {"briefing.templates"}


def test_tests_mirror_the_packages() -> None:
    # A stage's tests sit in tests/<stage>/, so its tests are found where its code is.
    stages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    here = Path(__file__).resolve().parent
    folders = {p.name for p in here.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert folders <= stages, f"test folders that name no package: {sorted(folders - stages)}"
    assert folders, "no stage folders under tests/"
