"""The documentation is true to the code: its pictures were made by `make docs` from the code, and
its settings table is the declared one."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from briefing.config.settings import DEFAULTS, FEED, SETTINGS, settings_reference

from .figures_of import figures

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def pictures_named() -> set[tuple[Path, str]]:
    found = set()
    for page in PAGES:
        for target in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", page.read_text(encoding="utf-8")):
            found.add((page, target))
    return found


def test_every_picture_the_docs_name_exists_and_was_made_by_make_docs() -> None:
    made = json.loads((ROOT / "docs" / "pictures.json").read_text(encoding="utf-8"))
    assert pictures_named(), "no picture is named"
    for page, target in pictures_named():
        picture = (page.parent / target).resolve()
        assert picture.is_file(), f"{page.name} names {target}, which does not exist"
        assert picture.parent == ROOT / "docs", f"{page.name}: {target} is not under docs/"
        entry = made.get(picture.name)
        assert entry is not None, f"{picture.name} was not made by scripts/docs.py"
        digest = hashlib.sha256(picture.read_bytes()).hexdigest()
        assert entry["sha256"] == digest, f"{picture.name} changed since scripts/docs.py made it"


def test_no_picture_lies_about_unused() -> None:
    named = {(page.parent / target).resolve().name for page, target in pictures_named()}
    on_disk = {p.name for p in (ROOT / "docs").glob("*.png")}
    assert on_disk <= named, f"pictures no page shows: {sorted(on_disk - named)}"


def test_the_settings_reference_is_the_declared_table() -> None:
    page = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    for setting in (*SETTINGS, *DEFAULTS, *FEED):
        assert f"`{setting.name}`" in page, setting.name
    assert settings_reference() in page


def test_every_page_the_readme_links_exists() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for target in re.findall(r"\]\((docs/[^)#]+)\)", readme):
        assert (ROOT / target).is_file(), target


def test_every_relative_link_of_the_docs_resolves() -> None:
    for page in PAGES:
        text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
        for target in re.findall(r"\]\(([^)\s#]+)(?:#[^)]*)?\)", text):
            if "://" not in target and not target.startswith("mailto:"):
                assert (page.parent / target).exists(), f"{page.name} links {target}"


def test_every_figure_in_the_docs_is_the_benchmarks_own() -> None:
    # A figure is written between markers naming its benchmark result; `make docs` writes it.
    found = [(page.name, *f) for page in PAGES for f in figures(page.read_text(encoding="utf-8"))]
    assert len(found) >= 20, "the docs' figures are not taken from the benchmarks' results"
    wrong = [(page, where, shown, real) for page, where, shown, real in found if shown != real]
    assert not wrong, f"figures that differ from benchmarks/results (run make docs): {wrong}"
