"""Every package the code imports is declared in pyproject.toml, so any pip installs it.

An import served only by a dependency of a dependency works until that dependency changes, or
until an installer drops it: pip 23.2 (what a Python 3.11 venv ships) reads an extra by its name
as written, so justext's `lxml[html_clean]` found no extra in lxml (which declares "html-clean")
and left out lxml_html_clean, and every command failed on import.
"""

from __future__ import annotations

import ast
import sys
import tomllib
from importlib.metadata import PackageNotFoundError, distribution, packages_distributions
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
IMPORT_ERRORS = {"ImportError", "ModuleNotFoundError"}


def declared(requirements: list[str]) -> set[str]:
    return {canonicalize_name(Requirement(r).name) for r in requirements}


def third_party_imports() -> dict[str, bool]:
    """Each top-level module briefing/ imports, and whether every import of it is optional:
    inside a function (lazy) or under `try: ... except ImportError`."""
    found: dict[str, bool] = {}
    for path in sorted((ROOT / "briefing").rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for node, optional in _imports(tree, False):
            for name in _module_names(node):
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top == "briefing":
                    continue
                found[top] = found.get(top, True) and optional
    return found


def _imports(node: ast.AST, optional: bool):  # type: ignore[no-untyped-def]
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child, optional
        guarded = isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) or (
            isinstance(child, ast.Try) and _catches_import_error(child)
        )
        yield from _imports(child, optional or guarded)


def _catches_import_error(node: ast.Try) -> bool:
    names: set[str] = set()
    for handler in node.handlers:
        kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        names.update(k.id for k in kinds if isinstance(k, ast.Name))
    return bool(names & IMPORT_ERRORS)


def _module_names(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    return [node.module] if node.level == 0 and node.module else []


def test_every_imported_package_is_a_declared_dependency() -> None:
    required = declared(PROJECT["dependencies"])
    extras = {name: declared(reqs) for name, reqs in PROJECT["optional-dependencies"].items()}
    optional = set().union(*(reqs for name, reqs in extras.items() if name != "test"))
    owners = packages_distributions()
    missing = []
    for module, only_optional in sorted(third_party_imports().items()):
        dists = {canonicalize_name(d) for d in owners.get(module, [module])}
        if dists & required or (only_optional and dists & optional):
            continue
        missing.append(f"{module} (from {', '.join(sorted(dists))})")
    assert not missing, f"imported but not in pyproject's dependencies: {missing}"


def test_the_import_scan_sees_lazy_and_guarded_imports_apart() -> None:
    code = ast.parse(
        "import a\n"
        "try:\n    import b\nexcept ImportError:\n    b = None\n"
        "def f():\n    import c\n"
        "try:\n    import d\nexcept ValueError:\n    pass\n"
    )
    seen = {_module_names(n)[0]: optional for n, optional in _imports(code, False)}
    assert seen == {"a": False, "b": True, "c": True, "d": False}


def test_an_extra_older_pip_misreads_is_declared_by_its_packages() -> None:
    """A requirement `pkg[some_extra]` whose extra pkg declares only under another spelling
    ("some-extra") is dropped by pip before 23.3: what that extra brings is declared here."""
    required = declared(PROJECT["dependencies"])
    misread: list[str] = []
    seen: set[str] = set()
    todo = sorted(required)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            meta = distribution(name).metadata
        except PackageNotFoundError:
            continue
        for text in meta.get_all("Requires-Dist") or []:
            req = Requirement(text)
            if req.marker is not None and not req.marker.evaluate({"extra": ""}):
                continue
            todo.append(canonicalize_name(req.name))
            misread += _misread_extras(req, required)
    assert not misread, f"declare these directly, older pip leaves them out: {misread}"


def _misread_extras(req: Requirement, required: set[str]) -> list[str]:
    try:
        meta = distribution(req.name).metadata
    except PackageNotFoundError:
        return []
    provided = meta.get_all("Provides-Extra") or []
    brought = [Requirement(r) for r in meta.get_all("Requires-Dist") or []]
    missing: list[str] = []
    for extra in (e for e in req.extras if e not in provided):
        folded = canonicalize_name(extra)
        for r in brought:
            only_with = r.marker is not None and (
                r.marker.evaluate({"extra": folded}) and not r.marker.evaluate({"extra": ""})
            )
            if only_with and canonicalize_name(r.name) not in required:
                missing.append(f"{r.name} (for {req})")
    return missing
