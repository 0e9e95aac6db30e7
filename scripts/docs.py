"""Make every picture of the README and docs/ again from the current code, and the settings table.

    python scripts/docs.py          (or: make docs)
    python scripts/docs.py --figures [--page docs/measurements.md]

The pictures are the demo edition, made now: its PDF's first page (pdftoppm, from poppler-utils)
and its HTML at phone and desktop width (headless Chromium). Each is recorded in
docs/pictures.json with its digest and what it shows, so a test can tell a picture this script
made from one left over. The settings reference in docs/configuration.md is written from the
declared settings table, and every figure marked in a page from the benchmarks' results
(`benchmarks/results/*.json`, see figures.py); `--figures` writes only those, and `--page` only
the figures of the pages it names.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from figures import rewrite

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
MANIFEST = DOCS / "pictures.json"
START = "<!-- settings: made by scripts/docs.py from the declared settings -->"
END = "<!-- end of settings -->"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--hide-scrollbars",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
# name: what it shows (the caption's substance), how it is made
PICTURES = {
    "demo-page-1.png": "the first page of the demo edition's PDF",
    "edition-phone.png": "the demo edition's HTML on a phone (390 pixels wide)",
    "edition-desktop.png": "the demo edition's HTML on a desktop screen (1280 pixels wide)",
    "real-feed-page-1.png": "the first page of an edition made from a real feed: the Guardian's "
    "US front page feed of 31 January 2018 (55 items, the feed's own text)",
}
REAL_FEED = ROOT / "tests" / "fixtures" / "feeds" / "guardian.rss"
REAL_CONFIG = """\
title = "The Guardian, 31 January 2018"
window_hours = 48
formats = ["pdf"]

[defaults]
full_text = false  # the feed's own text: its pages are not served here

[[feeds]]
name = "The Guardian"
url = "{url}/guardian.rss"
allow_networks = ["127.0.0.0/8"]  # served from this machine for the picture
"""


def main() -> int:
    """Make the demo, its pictures and the settings table; say what is missing to make them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--figures", action="store_true", help="write the figures only")
    parser.add_argument(
        "--page", type=Path, action="append", help="with --figures: only this page's (repeatable)"
    )
    args = parser.parse_args()
    if args.page and not args.figures:
        parser.error("--page goes with --figures")
    if args.figures:
        write_figures([page.resolve() for page in args.page or ()])
        return 0
    missing = [tool for tool in ("pdftoppm", "chromium") if shutil.which(tool) is None]
    if missing:
        print(
            f"missing: {', '.join(missing)}; on Debian or Ubuntu: "
            "apt-get install poppler-utils chromium",
            file=sys.stderr,
        )
        return 1
    write_settings()
    write_figures()
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "demo"
        briefing = Path(sys.executable).parent / "briefing"
        subprocess.run([str(briefing), "demo", "--output", str(out)], check=True)
        (pdf,) = out.glob("briefing-*.pdf")
        (html,) = out.glob("briefing-*.html")
        page_png(pdf, 1, DOCS / "demo-page-1.png")
        screenshot(html, 390, 1600, DOCS / "edition-phone.png", Path(scratch))
        screenshot(html, 1280, 1400, DOCS / "edition-desktop.png", Path(scratch))
        page_png(
            real_feed_edition(Path(scratch) / "real", briefing), 1, DOCS / "real-feed-page-1.png"
        )
    record = {
        name: {"shows": shows, "sha256": digest(DOCS / name)} for name, shows in PICTURES.items()
    }
    MANIFEST.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {len(record)} pictures and the settings table under {DOCS}")
    return 0


def page_png(pdf: Path, page: int, target: Path) -> None:
    """One page of the PDF as a PNG at screen resolution."""
    stem = target.with_suffix("")
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "80",
            "-png",
            "-singlefile",
            "-f",
            str(page),
            "-l",
            str(page),
            str(pdf),
            str(stem),
        ],
        check=True,
    )


def screenshot(html: Path, width: int, height: int, target: Path, scratch: Path) -> None:
    """The page as headless Chromium draws it in a window of that size."""
    profile = scratch / f"chromium-{width}"
    subprocess.run(
        [
            "chromium",
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"--window-size={width},{height}",
            f"--screenshot={target}",
            html.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )


def write_settings() -> None:
    """The settings reference in docs/configuration.md, from the one declared table."""
    sys.path.insert(0, str(ROOT))
    from briefing.config.settings import settings_reference

    page = DOCS / "configuration.md"
    text = page.read_text(encoding="utf-8")
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    page.write_text(f"{head}{START}\n{settings_reference()}\n{END}{tail}", encoding="utf-8")


def real_feed_edition(folder: Path, briefing: Path) -> Path:
    """The PDF of an edition made from a real feed served on 127.0.0.1, read as a user's run."""
    sys.path.insert(0, str(ROOT))
    from briefing.demo.server import serve

    folder.mkdir()
    shutil.copy(REAL_FEED, folder / REAL_FEED.name)
    with serve(folder) as server:
        config = folder / "feeds.toml"
        config.write_text(REAL_CONFIG.format(url=server.base_url), encoding="utf-8")
        out = folder / "output"
        run = [str(briefing), "generate", "--config", str(config), "--output", str(out)]
        subprocess.run([*run, "--as-of", "2018-01-31T21:00"], check=True)
    (pdf,) = out.glob("briefing-*.pdf")
    return pdf


def write_figures(only: list[Path] | None = None) -> None:
    """Every figure of the README and docs/ (or of the pages `only` names) written again from
    benchmarks/results/ (figures.py)."""
    for page in only or (ROOT / "README.md", *sorted(DOCS.glob("*.md"))):
        text = page.read_text(encoding="utf-8")
        if (new := rewrite(text)) != text:
            page.write_text(new, encoding="utf-8")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


if __name__ == "__main__":
    sys.exit(main())
