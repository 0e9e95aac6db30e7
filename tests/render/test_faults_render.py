"""Rendering no single item can hold hostage: unbreakable text, a story the PDF fails on, no PDF.

Real WeasyPrint in a real child process, the PDF read back with pypdf; the run end to end on the
demo site served on 127.0.0.1.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from briefing.config import parse_config
from briefing.demo import AS_OF, SITE, demo_config
from briefing.demo.server import serve
from briefing.errors import RenderError
from briefing.models import Briefing, Section, Story
from briefing.pipeline import generate
from briefing.render import render, render_edition, render_html
from briefing.render.fit import HEADLINE, ZWSP, fit_text

from ..render.test_render import article, make_briefing, pdf_text, sentence

ROOT = Path(__file__).resolve().parents[2]
CJK = "东京电力公司周五宣布将在下个月开始排放处理过的核污水"  # 27 characters, no spaces


def with_story(story: Story, briefing: Briefing | None = None) -> Briefing:
    """The test edition with `story` as the first story of its first section."""
    briefing = briefing or make_briefing()
    first, *rest = briefing.sections
    return dataclasses.replace(
        briefing, sections=(Section(first.title, (story, *first.stories)), *rest)
    )


def retitled(headline: str) -> Briefing:
    """The test edition with its first story's headline replaced."""
    briefing = make_briefing()
    first, *rest = briefing.sections
    story = dataclasses.replace(first.stories[0], headline=headline)
    return dataclasses.replace(
        briefing, sections=(Section(first.title, (story, *first.stories[1:])), *rest)
    )


def test_fit_cuts_long_fields_and_breaks_only_unbroken_runs() -> None:
    word = "Donaudampfschifffahrtsgesellschaftskapitän"  # 42 letters: a real word, left whole
    assert fit_text(f"The {word} retires", HEADLINE) == f"The {word} retires"
    assert fit_text(CJK * 5, HEADLINE) == CJK * 5  # Pango breaks CJK by itself
    run = fit_text("x" * 100, HEADLINE)
    assert run.replace(ZWSP, "") == "x" * 100 and max(map(len, run.split(ZWSP))) <= 20
    cut = fit_text("word " * 100_000, HEADLINE)
    assert len(cut) <= HEADLINE and cut.endswith("word…")
    assert fit_text("x" * 100, HEADLINE, breaks=False) == "x" * 100


def test_a_100k_title_without_spaces_renders_in_seconds_with_the_rest(tmp_path: Path) -> None:
    # Before: 12.7 s at 5,000 characters, 244 s at 30,000; at 100,000 past any limit.
    briefing = retitled("x" * 100_000)
    started = time.monotonic()
    paths = render(briefing, tmp_path, "day", formats=("html", "pdf", "text"), timeout=30)
    took = time.monotonic() - started
    assert took < 20, took
    pages, text = pdf_text((tmp_path / "day.pdf").read_bytes())
    flat = text.replace(ZWSP, "").replace("\n", "")
    assert "Grid operator warns of winter shortfall" in text and "Rates held" in text
    assert "x" * 250 in flat and "x" * 400 not in flat and "…" in text
    assert len((tmp_path / "day.html").read_text()) < 20_000  # cut, not 100 KB of one title
    assert ZWSP not in (tmp_path / "day.txt").read_text()  # text formats are only cut
    assert len(paths) == 3 and pages <= 3


def test_unbroken_sentence_source_and_url_render_in_seconds(tmp_path: Path) -> None:
    briefing = make_briefing()
    long_url = "https://gazette.example/" + "y" * 100_000
    failure = dataclasses.replace(briefing.failures[0], url=long_url)
    piece = article("z" * 50_000, "A report", 5)
    story = Story(
        id="long", headline="Short headline", topic="World", articles=(piece,),
        summary=(sentence("w" * 100_000, piece),),
    )  # fmt: skip
    briefing = with_story(story, dataclasses.replace(briefing, failures=(failure,)))
    started = time.monotonic()
    render(briefing, tmp_path, "day", timeout=30)
    assert time.monotonic() - started < 20
    _, text = pdf_text((tmp_path / "day.pdf").read_bytes())
    assert "Short headline" in text and "Gazette Feed" in text
    html = (tmp_path / "day.html").read_text()
    assert f'href="{long_url}"' in html  # the link keeps the whole address; its text is cut


def test_cjk_titles_keep_rendering_as_before(tmp_path: Path) -> None:
    html = render_html(retitled(CJK * 3))
    assert CJK * 3 in html and ZWSP not in html
    started = time.monotonic()
    render(retitled(CJK * 4000), tmp_path, "day", timeout=30)  # 108,000 characters
    assert time.monotonic() - started < 20  # before: 45.6 s, 83 pages
    _, text = pdf_text((tmp_path / "day.pdf").read_bytes())
    assert CJK[:10] in text and "Grid operator" in text


def slow_story() -> Story:
    """A real story too big to typeset in a short limit: a summary of 1,500 long sentences, some
    400 pages (minutes of layout, against a limit of 2 s; the rest of the edition takes 0.7 s)."""
    report = article("River Post", "Flood reaches the old town", 5)
    said = sentence("The river rose two metres overnight and the town hall closed. " * 14, report)
    return Story(
        id="flood",
        headline="River flood reaches the old town",
        topic="World",
        articles=(report,),
        summary=(said,) * 1500,
    )


def test_a_story_the_pdf_fails_on_costs_only_itself(tmp_path: Path) -> None:
    briefing = with_story(slow_story())
    started = time.monotonic()
    rendered = render_edition(
        briefing, tmp_path, "day", formats=("html", "pdf", "markdown"), timeout=2
    )
    took = time.monotonic() - started
    assert not rendered.pdf_error
    _, text = pdf_text((tmp_path / "day.pdf").read_bytes())
    assert "Harbour bridge closed" in text and "Rates held" in text
    assert "The river rose two metres" not in text  # the card is gone from the PDF...
    assert "River flood reaches the old town" in text and "left out of the PDF" in text  # noted
    html = (tmp_path / "day.html").read_text()
    assert "The river rose two metres" in html and "left out of the PDF" in html  # kept, noted
    assert "left out of the PDF" in (tmp_path / "day.md").read_text()
    assert rendered.briefing.stats.left_out_of_pdf == 1
    note = rendered.briefing.failures[-1]
    assert note.stage == "pdf" and note.subject == "River flood reaches the old town"
    assert took < 15, took  # the first attempt (2 s), the search (about 5 s), the last attempt


def test_no_pdf_at_all_still_writes_every_other_format(tmp_path: Path) -> None:
    # No edition can be typeset in 10 ms, not even one without stories.
    rendered = render_edition(
        make_briefing(), tmp_path, "day", formats=("html", "pdf", "text"), timeout=0.01
    )
    assert rendered.pdf_error.startswith("no PDF was written: PDF rendering took longer")
    assert "even without its stories" in rendered.pdf_error
    assert [p.name for p in rendered.paths] == ["day.html", "day.txt"]
    assert not (tmp_path / "day.pdf").exists()
    with pytest.raises(RenderError, match="no PDF was written"):
        render(make_briefing(), tmp_path / "again", "day", timeout=0.01)
    assert (tmp_path / "again" / "day.html").is_file()


def test_a_run_without_its_pdf_writes_the_html_and_exits_4(tmp_path: Path) -> None:
    with serve(SITE) as server:
        data = demo_config(server.base_url, tmp_path / "out", tmp_path / "demo.db")
        data["render_timeout"] = 0.01
        config = tmp_path / "feeds.toml"
        config.write_text(_toml(data), encoding="utf-8")
        result = subprocess.run(
            [sys.executable, "-m", "briefing", "generate", "--config", str(config),
             "--as-of", AS_OF.isoformat()],
            cwd=ROOT, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    assert result.returncode == 4, result.stderr
    assert (tmp_path / "out" / "briefing-2022-01-22.html").is_file()
    assert not (tmp_path / "out" / "briefing-2022-01-22.pdf").exists()
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [errors[0]] and "no PDF was written" in errors[0]
    assert result.stdout.startswith("Done:")


def test_the_run_summary_counts_stories_left_out_of_the_pdf(tmp_path: Path) -> None:
    with serve(SITE) as server:
        data = demo_config(server.base_url, tmp_path / "out", tmp_path / "demo.db")
        run = generate(parse_config(data, SITE / "MANIFEST.toml"), as_of=AS_OF)
    assert not run.pdf_error and "left out of the PDF" not in run.summary_line()
    stats = dataclasses.replace(run.briefing.stats, left_out_of_pdf=1)
    counted = dataclasses.replace(run, briefing=dataclasses.replace(run.briefing, stats=stats))
    assert "stories (1 left out of the PDF) from" in counted.summary_line()


def _toml(data: dict[str, Any]) -> str:
    """The demo's config as TOML (its values are strings, numbers and lists, written as JSON)."""

    def lines(table: dict[str, Any]) -> list[str]:
        return [f"{key} = {json.dumps(value)}" for key, value in table.items()]

    top = lines({k: v for k, v in data.items() if k not in ("feeds", "fetch")})
    feeds = ["[[feeds]]\n" + "\n".join(lines(feed)) for feed in data["feeds"]]
    return "\n".join([*top, "[fetch]", *lines(data["fetch"]), *feeds]) + "\n"
