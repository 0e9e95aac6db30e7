"""Render stage on a full edition and on hostile feeds: PDF structure, other outputs, archive."""

from __future__ import annotations

import dataclasses
import email
import io
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email.policy import default as default_policy
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import feedparser
import pytest
from markdown_it import MarkdownIt
from pypdf import PdfReader

from briefing.models import Article, Briefing, Failure, Section, Sentence, Story
from briefing.render import (
    clean_html,
    edition_number,
    render,
    render_email,
    render_html,
    render_markdown,
    render_pdf,
    render_text,
    write_archive,
)
from briefing.render.quotes import typographic_quotes

from ..big_edition import big_edition


@pytest.fixture(scope="module")
def edition() -> Briefing:
    return big_edition()


@pytest.fixture(scope="module")
def pdf(edition: Briefing) -> bytes:
    return render_pdf(render_html(edition))


@pytest.fixture(scope="module")
def pages(pdf: bytes) -> list[str]:
    return [_flat(page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages]


def _flat(text: str) -> str:
    """Text with hyphenation at line ends undone and all whitespace folded, for searching."""
    text = re.sub(r"(\w)-\n(\w)", r"\1\2", text)
    return re.sub(r"\s+", " ", text)


def _key(headline: str) -> str:
    """Enough of a headline to find it, whatever the line breaks and hyphens did to it."""
    return re.sub(r"\W+", "", headline)[:40]


def test_big_edition_has_60_stories_in_8_sections(edition: Briefing) -> None:
    assert len(edition.stories) == 60
    assert len(edition.sections) == 8


def test_every_story_is_in_the_toc_with_the_page_it_starts_on(
    edition: Briefing, pdf: bytes, pages: list[str]
) -> None:
    reader = PdfReader(io.BytesIO(pdf))
    squashed = [re.sub(r"\W+", "", p) for p in pages]
    contents = squashed[0]
    for story in edition.stories:
        key = _key(story.headline)
        # The contents list "<page><headline>"; the story's card starts on that page.
        match = re.search(r"(\d{1,2})" + re.escape(key), contents)
        assert match, f"not in the contents: {story.headline!r}"
        page = int(match.group(1))
        body = [n for n, text in enumerate(squashed[1:], 2) if key in text]
        assert body and body[0] == page, f"{story.headline!r}: contents say {page}, found {body}"
    assert len(reader.pages) >= 8


def test_toc_links_point_at_the_story_pages(pdf: bytes) -> None:
    reader = PdfReader(io.BytesIO(pdf))
    internal = [
        a.get_object()
        for a in reader.pages[0].get("/Annots", [])
        if a.get_object().get("/Dest") is not None or "/D" in a.get_object().get("/A", {})
    ]
    assert len(internal) >= 60 + 8  # every story and every section


def test_every_outlet_link_and_sentence_is_in_the_pdf(edition: Briefing, pdf: bytes) -> None:
    reader = PdfReader(io.BytesIO(pdf))
    uris = {
        a.get_object()["/A"]["/URI"]
        for page in reader.pages
        for a in page.get("/Annots", [])
        if "/URI" in a.get_object().get("/A", {})
    }
    wanted = {a.url for s in edition.stories for a in s.articles}
    # Each outlet's first article is linked from the outlets line; each sentence from its marker.
    wanted_first = {url for s in edition.stories for _, _, url in _outlets(s)}
    assert wanted_first <= uris
    # A story of one outlet marks no sentence: its other reports are linked under "Also".
    marked = [s for s in edition.stories if len(_outlets(s)) > 1]
    assert {x.url for s in marked for x in s.summary} <= uris
    assert uris <= wanted | {f.url for f in edition.failures} | {"https://daily.example/h"}
    text = re.sub(r"\W+", "", "".join(_flat(p.extract_text()) for p in reader.pages))
    for story in edition.stories:
        for sentence in story.summary:
            assert re.sub(r"\W+", "", sentence.text) in text, sentence.text


def _outlets(story: Story) -> list[tuple[int, str, str]]:
    from briefing.render.templating import outlets

    return [tuple(o) for o in outlets(story)]  # type: ignore[misc]


def test_footer_page_lists_failures_and_what_was_left_out(pages: list[str]) -> None:
    last = pages[-1]
    assert "WHAT COULD NOT BE READ" in last and "LEFT OUT" in last  # set in capitals
    assert "Gazette" in last and "timed out after 20 s" in last
    assert "Horoscope for Monday" in last and "Muted: ‘horoscope’" in last
    # One heading a reason, then the items it left out.
    assert last.index("Muted: ‘horoscope’") < last.index("Horoscope for Monday")


def test_masthead_and_running_heads(pages: list[str], edition: Briefing) -> None:
    assert "No. 128" in pages[0] and "Monday 23 November 2026" in pages[0]
    for figure in ("FEEDS", "ARTICLES", "STORIES", "OUTLETS"):
        assert figure in pages[0]
    for number, text in enumerate(pages[1:], 2):
        assert "THE DAILY BRIEFING" in text, number
        assert f"{number} / {len(pages)}" in text


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is not installed")
def test_no_text_is_cut_off(pdf: bytes, tmp_path: Path) -> None:
    path = tmp_path / "e.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    width = float(re.search(r'<page width="([\d.]+)"', out).group(1))  # type: ignore[union-attr]
    height = float(re.search(r'height="([\d.]+)"', out).group(1))  # type: ignore[union-attr]
    words = re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"', out
    )
    assert len(words) > 3000
    margin = 10.0  # points: text must stay well inside the sheet, not only on it
    for x0, y0, x1, y1 in words:
        assert margin <= float(x0) and float(x1) <= width - margin
        assert margin <= float(y0) and float(y1) <= height - margin


def test_letter_size(edition: Briefing) -> None:
    small = dataclasses.replace(edition, sections=edition.sections[:1])
    reader = PdfReader(io.BytesIO(render_pdf(render_html(small, page_size="Letter"))))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)


# --- Hostile feed content --------------------------------------------------------------------


class Canary(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802
        Canary.hits.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def canary() -> Iterator[str]:
    Canary.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Canary)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def hostile_briefing(canary: str, secret: str = "file:///etc/hostname") -> Briefing:
    t0 = datetime(2026, 11, 22, 8, tzinfo=UTC)
    evil = [
        '<script>alert("x")</script>Markets<img src="file:///etc/hostname">',
        '<img src=x onerror="alert(1)"><a href="javascript:alert(2)">click</a>'
        f'<img src="{canary}/img">',
        f'<a href="file:///etc/passwd">passwd</a><svg onload=alert(3)><img src="{secret}">',
        f'<link rel=stylesheet href="{canary}/css"><style>@import "{canary}/imp";</style>',
    ]
    urls = ["javascript:alert(4)", "file:///etc/hostname", f"{canary}/ok", "data:text/html,x"]
    articles = tuple(
        Article(f"e{i}", f"Outlet {text}", "World", url, text, text, t0 + timedelta(minutes=i))
        for i, (text, url) in enumerate(zip(evil, urls, strict=True))
    )
    sentences = tuple(Sentence(a.text, a.id, a.source, a.url) for a in articles)
    # A second piece of the outlet with the one safe link, quoted by no sentence: its
    # hostile title is shown under "Also".
    also = dataclasses.replace(articles[2], id="e4", title=evil[1], url=f"{canary}/also")
    story = Story("evil", evil[0], evil[1], (*articles, also), sentences)
    return Briefing(
        title=evil[2],
        edition=date(2026, 11, 23),
        generated=t0,
        window_start=t0 - timedelta(days=1),
        window_end=t0,
        timezone="UTC",
        sections=(Section(evil[3], (story,)),),
        failures=(Failure("feed", evil[0], "javascript:alert(5)", evil[1]),),
    )


def test_hostile_feed_is_never_live_in_html_pdf_markdown_or_email(
    canary: str, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("SENTINEL-7f3a9c")
    briefing = hostile_briefing(canary, secret.as_uri())
    html = render_html(briefing)
    tags, attributes = _parse(html[html.index("<body") :])
    assert not tags & {"script", "img", "svg", "link", "style", "iframe"}
    assert not [a for a in attributes if a.startswith("on")]
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert all(h.startswith(("#", "http://", "https://")) for h in hrefs), hrefs
    assert f"{canary}/ok" in hrefs and f"{canary}/also" in hrefs
    pdf = render_pdf(html)
    assert Canary.hits == []
    assert b"/EmbeddedFile" not in pdf and b"/Subtype /Image" not in pdf
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "SENTINEL" not in text and b"SENTINEL" not in pdf
    assert "<script>" in text  # the hostile text is shown as text, not dropped silently
    uris = re.findall(rb"/URI \(([^)]*)\)", pdf)
    assert all(u.startswith((b"http://", b"https://")) for u in uris), uris

    rendered = MarkdownIt("commonmark").render(render_markdown(briefing))
    tags, attributes = _parse(rendered)
    assert not tags & {"script", "img", "svg", "link", "style", "iframe"}
    assert not [a for a in attributes if a.startswith("on")]
    assert all(h.startswith("http") for h in re.findall(r'href="([^"]*)"', rendered))
    assert f"{canary}/also" in rendered

    mail = render_email(briefing)
    tags, attributes = _parse(mail.html[mail.html.index("<body") :])
    assert not tags & {"script", "img", "svg", "link", "style", "iframe"}
    assert not [a for a in attributes if a.startswith("on")]
    assert all(h.startswith(("#", "http")) for h in re.findall(r'href="([^"]*)"', mail.html))
    assert "\n" not in mail.subject and "\r" not in mail.subject
    assert Canary.hits == []


def _parse(markup: str) -> tuple[set[str], list[str]]:
    """The element names and attribute names a browser would see in `markup`."""
    tags: set[str] = set()
    attributes: list[str] = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            tags.add(tag)
            attributes.extend(name for name, _ in attrs)

    Collect().feed(markup)
    return tags, attributes


def test_clean_html_keeps_text_and_only_http_links() -> None:
    dirty = (
        '<p onclick="x()">Hi <a href="/rel">rel</a> <a href="javascript:alert(1)">js</a>'
        '<img src="file:///etc/hostname"><script>alert(1)</script><style>p{}</style>'
        '<a href="//evil.example/x">pr</a></p>'
    )
    out = clean_html(dirty, "https://news.example/a/b")
    assert 'href="https://news.example/rel"' in out
    assert 'href="https://evil.example/x"' in out
    assert "javascript" not in out and "<img" not in out and "alert" not in out
    assert "onclick" not in out and "<style" not in out
    assert "href" not in clean_html('<a href="/rel">rel</a>')  # no base: relative is dropped


# --- Markdown, text, email, archive ---------------------------------------------------------


def test_markdown_and_text_carry_every_story_and_link(edition: Briefing) -> None:
    markdown = render_markdown(edition)
    html = MarkdownIt("commonmark").render(markdown)
    assert (
        html.count("<h3>") == 60 and html.count("<h2>") == 8 + 3
    )  # sections, contents, failures, left out
    for story in edition.stories:
        for article in story.articles[:1]:
            assert f'href="{article.url}"'.replace("&", "&amp;") in html or article.url in markdown
    text = render_text(edition)
    assert max(len(line) for line in text.splitlines() if "<http" not in line) <= 72
    assert "Also [" in text  # its further reports' titles are wrapped too
    for story in edition.stories:  # its quotes typographic, as every shown text's
        shown = typographic_quotes(story.headline)
        assert re.sub(r"\s+", " ", shown) in re.sub(r"\s+", " ", text)


def test_email_body_is_inline_styled_tables_with_a_text_part(edition: Briefing) -> None:
    mail = render_email(edition)
    assert mail.subject == "The Daily Briefing · Monday 23 November 2026 · 60 stories"
    assert "<table" in mail.html and 'role="presentation"' in mail.html
    assert not re.search(r"<(link|script|img)\b", mail.html, re.I)
    assert not re.search(r'(src|href)="(?!https?:|#)', mail.html)
    assert mail.html.count('style="') > 200
    assert "THE DAILY BRIEFING" in mail.text and "WHAT COULD NOT BE READ" in mail.text


def test_formats_and_email_file(tmp_path: Path) -> None:
    small = dataclasses.replace(big_edition(), sections=big_edition().sections[:1])
    paths = render(small, tmp_path, "briefing-2026-11-23", formats=["markdown", "text", "email"])
    assert [p.suffix for p in paths] == [".md", ".txt", ".eml"]
    message = email.message_from_bytes(paths[2].read_bytes(), policy=default_policy)
    assert message["Subject"].startswith("The Daily Briefing")
    assert {p.get_content_type() for p in message.iter_parts()} == {"text/plain", "text/html"}


def test_archive_index_and_atom_feed(tmp_path: Path) -> None:
    base = big_edition()
    small = dataclasses.replace(base, sections=base.sections[:1])
    for offset in (2, 0, 1):
        day = date(2026, 11, 21 + offset)
        assert edition_number(tmp_path, day) == 1 + sum(
            1 for p in tmp_path.glob("*.md") if p.stem[-10:] < day.isoformat()
        )
        one = dataclasses.replace(small, edition=day, number=edition_number(tmp_path, day))
        outputs = render(one, tmp_path, f"briefing-{day.isoformat()}", formats=["markdown"])
        write_archive(tmp_path, one, outputs, site_url="https://news.example/briefing")
    index = (tmp_path / "index.html").read_text()
    assert index.index("Monday 23 November") < index.index("Sunday 22 November")
    assert 'type="application/atom+xml"' in index
    feed = feedparser.parse(io.BytesIO((tmp_path / "feed.atom").read_bytes()))
    assert not feed.bozo, feed.get("bozo_exception")
    assert [e.link for e in feed.entries] == [
        f"https://news.example/briefing/briefing-2026-11-{d}.md" for d in (23, 22, 21)
    ]
    assert len({e.id for e in feed.entries}) == 3
    (tmp_path / "briefing-2026-11-22.md").unlink()
    write_archive(tmp_path, one, outputs)
    feed = feedparser.parse(io.BytesIO((tmp_path / "feed.atom").read_bytes()))
    assert len(feed.entries) == 2 and feed.entries[0].link == "briefing-2026-11-23.md"


def test_user_template_folder_overrides_one_template(tmp_path: Path, edition: Briefing) -> None:
    (tmp_path / "_section.html").write_text("<h2>{{ section.title }} (custom)</h2>")
    html = render_html(edition, template_dir=tmp_path)
    assert "World (custom)" in html and "In this edition" in html
