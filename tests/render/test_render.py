"""Render stage: escaping, safe links, the deny-all PDF fetcher, PDF read back, atomic writes."""

from __future__ import annotations

import dataclasses
import io
import re
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from briefing.errors import DeliveryError, RenderError
from briefing.models import Article, Briefing, Failure, RunStats, Section, Sentence, Story
from briefing.render import (
    format_span,
    long_date,
    render,
    render_html,
    render_pdf,
    safe_url,
    typeset_pdf,
    write_outputs,
)
from briefing.render.templating import zone_of

T0 = datetime(2022, 1, 21, 13, 55, tzinfo=UTC)
XSS = '"><script>x</script><img src=x onerror=y>'


def article(source: str, title: str, minutes: int, url: str | None = None) -> Article:
    """One article published `minutes` after T0."""
    slug = source.lower().replace(" ", "-")
    return Article(
        id=f"{slug}-{minutes}",
        source=source,
        topic="World",
        url=url or f"https://{slug}.example/news/{minutes}",
        title=title,
        text="Body text.",
        published=T0 + timedelta(minutes=minutes),
    )


def sentence(text: str, art: Article) -> Sentence:
    return Sentence(text=text, article_id=art.id, source=art.source, url=art.url)


def make_briefing(**changes: object) -> Briefing:
    """Two sections, three stories (one from three outlets, one with no summary), one failure."""
    harbour = (
        article("Coastal Herald", "Harbour bridge closes after storm damage", 0),
        article("Daily Ledger", "Storm shuts harbour bridge", 40),
        article("Radio North", "Bridge closed: what commuters need to know", 95),
    )
    grid = (article("Daily Ledger", "Grid operator warns of winter shortfall", 20),)
    rates = (article("Market Wire", "Central bank holds rates at 1.5%", 60),)
    stories = (
        Story(
            id="harbour-bridge",
            headline="Harbour bridge closed after overnight storm",
            topic="World",
            articles=harbour,
            summary=(
                sentence("The harbour bridge was closed on Friday after storm damage.", harbour[0]),
                sentence("Engineers expect repairs to take at least a week.", harbour[1]),
                sentence("Ferries will run every ten minutes in the meantime.", harbour[2]),
            ),
        ),
        Story(
            id="grid-warning",
            headline="Grid operator warns of winter shortfall",
            topic="World",
            articles=grid,
            summary=(sentence("The grid operator asked for 2 GW of reserve capacity.", grid[0]),),
        ),
        Story(id="rates-hold", headline="Rates held", topic="Business", articles=rates),
    )
    values: dict[str, object] = dict(
        title="Morning Briefing",
        edition=date(2022, 1, 22),
        generated=datetime(2022, 1, 22, 6, 1, tzinfo=UTC),
        window_start=datetime(2022, 1, 21, 6, 0, tzinfo=UTC),
        window_end=datetime(2022, 1, 22, 6, 0, tzinfo=UTC),
        timezone="Europe/London",
        sections=(Section("World", stories[:2]), Section("Business", stories[2:])),
        failures=(Failure("feed", "Gazette Feed", "https://gazette.example/rss", "HTTP 503"),),
        stats=RunStats(feeds=5, feeds_failed=1, articles=5, stories=3, outlets=4),
    )
    values.update(changes)
    return Briefing(**values)  # type: ignore[arg-type]


def pdf_text(pdf: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture(scope="module")
def html() -> str:
    return render_html(make_briefing())


@pytest.fixture(scope="module")
def pdf(html: str) -> bytes:
    return render_pdf(html)


def test_html_shows_headlines_outlets_and_failure(html: str) -> None:
    assert '<html lang="en">' in html
    assert "Harbour bridge closed after overnight storm" in html
    assert "Saturday 22 January 2022" in html
    assert "Reported by 3 outlets:" in html
    for outlet in ("Coastal Herald", "Daily Ledger", "Radio North", "Market Wire"):
        assert outlet in html
    assert "What could not be read" in html
    assert "Gazette Feed" in html and "HTTP 503" in html
    assert 'href="https://radio-north.example/news/95"' in html


def test_story_without_summary_shows_first_title(html: str) -> None:
    assert "Central bank holds rates at 1.5%" in html


def test_a_title_already_shown_as_the_headline_is_not_shown_again() -> None:
    """A summary-less story of one report: its title is the headline, once on the card."""
    from briefing.render import render_email, render_markdown, render_text

    art = article("Reddit", "Bill Cosby wins defamation case | Reddit", 0)
    story = Story(
        id="s", headline="Bill Cosby wins defamation case", topic="World", articles=(art,)
    )
    briefing = make_briefing(sections=(Section("World", (story,)),))
    page = render_html(briefing)
    card = page[page.index('<article class="story"') :]
    assert card.count("Bill Cosby wins defamation case") == 1
    for text in (render_markdown(briefing), render_text(briefing), render_email(briefing).html):
        assert "Bill Cosby wins defamation case | Reddit" not in text


def _series_briefing(extra: int = 0) -> tuple[Briefing, list[Article]]:
    """One story: an outlet's news and its analysis an hour later (plus `extra` further
    pieces), and another outlet; the summary quotes only the first report."""
    news = article("Coastal Herald", "Harbour bridge closes after storm damage", 0)
    ledger = article("Daily Ledger", "Storm shuts harbour bridge", 40)
    more = [
        article("Coastal Herald", title, 60 + k)
        for k, title in enumerate(
            ["Analysis: why the harbour bridge failed"]
            + [f"Harbour bridge: part {n} of the inquiry" for n in range(2, 2 + extra)]
        )
    ]
    # The same piece again under a second address is not another report.
    copy = dataclasses.replace(more[0], id="copy", url="https://coastal-herald.example/amp/60")
    story = Story(
        id="bridge",
        headline="Harbour bridge closes after storm damage",
        topic="World",
        articles=(news, ledger, *more, copy),
        summary=(sentence("The harbour bridge closed on Friday after storm damage.", news),),
    )
    return make_briefing(sections=(Section("World", (story,)),)), more


def test_every_report_of_a_story_is_in_reach_in_every_format() -> None:
    """An outlet's second piece on the event is linked under the card, not lost behind its
    first; a copy of a piece under another address is not listed twice."""
    from briefing.render import render_email, render_markdown, render_text

    briefing, (analysis,) = _series_briefing()
    page = render_html(briefing)
    card = page[page.index('<article class="story"') :]
    assert f'href="{analysis.url}"' in card
    assert card.count("Analysis: why the harbour bridge failed") == 1
    assert 'href="https://coastal-herald.example/amp/60"' not in card
    assert f"[Analysis: why the harbour bridge failed]({analysis.url}) \\[1\\]" in (
        render_markdown(briefing)
    )
    assert f"Also [1]: Analysis: why the harbour bridge failed\n    <{analysis.url}>" in (
        render_text(briefing)
    )
    assert f'href="{analysis.url}"' in render_email(briefing).html
    pdf = render_pdf(page)
    assert analysis.url in _link_targets(pdf)


def test_a_developing_story_says_what_is_new_and_where_it_was_before_in_every_format() -> None:
    """The web page linked the last edition that showed the story; Markdown, plain text and
    e-mail said only "Developing", with no date or outlet to go back to."""
    from briefing.render import render_email, render_markdown, render_text

    base = make_briefing()
    (world, business) = base.sections
    grid = dataclasses.replace(
        world.stories[1],
        status="developing",
        new_article_ids=(world.stories[1].articles[0].id,),
        previous_edition=date(2022, 1, 20),
    )
    briefing = make_briefing(sections=(Section("World", (world.stories[0], grid)), business))
    said = "Developing: 1 new report since the last edition, from Daily Ledger"
    page = render_html(briefing)
    assert "1 new report since the last edition, from Daily Ledger." in page
    assert 'href="briefing-2022-01-20.html">Earlier coverage: 20 January 2022</a>' in page
    assert (
        f"*{said}* · [Earlier coverage: 20 January 2022](briefing-2022-01-20.md)"
        in render_markdown(briefing)
    )
    assert (
        "DEVELOPING: 1 new report since the last edition, from Daily Ledger\n"
        "Earlier coverage: 20 January 2022\n\n"  # no file name: this is the e-mail's text too
    ) in render_text(briefing)
    mail = re.sub(r"<[^>]+>", "", render_email(briefing).html)
    assert f"{said}. Earlier coverage: 20 January 2022" in mail


def test_markdown_keeps_a_leading_number_as_text_without_a_stray_backslash() -> None:
    """A list's number was escaped before its digits ("\\10. Best apps"), which CommonMark
    does not read as an escape: the backslash showed, as it did before an unnamed feed's
    host ("\\127.0.0.1")."""
    from markdown_it import MarkdownIt

    from briefing.render import render_markdown

    base = make_briefing()
    world = base.sections[0]
    art = dataclasses.replace(world.stories[1].articles[0], source="127.0.0.1")
    story = dataclasses.replace(
        world.stories[1],
        headline="10. Best apps of the year",
        articles=(art,),
        summary=(sentence("2018. A year of records.", art),),
    )
    page = MarkdownIt("commonmark").render(
        render_markdown(make_briefing(sections=(Section("World", (story,)),)))
    )
    assert "<ol" not in page and "\\" not in page
    assert "10. Best apps of the year" in page and "2018. A year of records." in page
    assert ">127.0.0.1</a>" in page


GLUED = "2BD/2BA,Ground Floor,Patio,Fireplace,Dishwasher,Hardwood,PetOK (hercules, pinole) $2100"


def test_a_headline_glued_by_commas_breaks_after_a_comma_not_inside_a_word() -> None:
    """A listing's title written without spaces after its commas was one long word to the
    line breaker, which cut it where the column ended ("Hardwo" / "od")."""
    base = make_briefing()
    story = dataclasses.replace(base.sections[0].stories[1], headline=GLUED)
    page = render_html(make_briefing(sections=(Section("World", (story,)),)))
    assert "Patio,<wbr>Fireplace,<wbr>Dishwasher" in page and "2BD/2BA,<wbr>Ground" in page
    _, text = pdf_text(render_pdf(page))
    words = re.findall(r"[A-Za-z]+", text)
    for word in ("Ground", "Patio", "Fireplace", "Dishwasher", "Hardwood", "PetOK"):
        assert words.count(word) == 2, word  # whole in the contents and on the card


def test_a_title_keeps_its_hyphenated_words_on_one_line() -> None:
    """'Russia-' then 'US security talks' on the web page's masthead: the hyphenated word is
    held together, and paper's running header still gives the whole title."""
    from briefing.render.templating import compounds_whole

    assert str(compounds_whole("A <b> & Hit-and-run")) == (
        'A &lt;b&gt; &amp; <span class="compound">Hit-and-run</span>'
    )
    assert "<span" not in compounds_whole("x - y, Ultra-long-compound-word-that-runs-on-and-on")
    title = "Demo Briefing: Russia-US security talks"
    page = render_html(make_briefing(title=title))
    assert 'Demo Briefing: <span class="compound">Russia-US</span> security\u00a0talks' in page
    assert re.search(r"\.compound\s*\{\s*white-space:\s*nowrap", page)
    reader = PdfReader(io.BytesIO(render_pdf(page)))
    # A one-page edition has no running header: the masthead keeps 'Russia-US' whole.
    assert "Russia-US" in reader.pages[0].extract_text()


def test_a_card_with_nothing_more_to_link_has_no_also_line(html: str) -> None:
    assert 'class="also"' not in html


def test_paper_names_the_first_further_reports_and_counts_the_rest() -> None:
    """The web page names the first few of nine further pieces and folds the rest; paper and
    e-mail name the first few and count the rest."""
    from briefing.render import render_email
    from briefing.render.templating import ALSO_SHOWN

    briefing, more = _series_briefing(extra=8)
    page = render_html(briefing)
    assert all(f'href="{a.url}"' in page for a in more)
    hidden = len(more) - ALSO_SHOWN
    folded = page[page.index('<details class="also-more">') : page.index("</details>")]
    assert f"{hidden} more reports" in folded
    assert [f'href="{a.url}"' in folded for a in more] == [False] * ALSO_SHOWN + [True] * hidden
    pdf = render_pdf(page)
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert f"and {hidden} more" in " ".join(text.split())
    targets = _link_targets(pdf)
    assert [a.url in targets for a in more] == [True] * ALSO_SHOWN + [False] * hidden
    mail = render_email(briefing).html
    assert f"and {hidden} more" in mail
    assert [f'href="{a.url}"' in mail for a in more] == [True] * ALSO_SHOWN + [False] * hidden


def test_an_outlet_links_the_report_its_headline_is_from() -> None:
    """The headline is not a link: the outlet under it leads to the report it reads, and its
    earlier report moves to the further reports."""
    first = article("Coastal Herald", "Storm warning for the coast", 0)
    headline = article("Coastal Herald", "Harbour bridge closes after storm damage", 30)
    story = Story(
        id="bridge",
        headline="Harbour bridge closes after storm damage",
        topic="World",
        articles=(first, headline),
        summary=(sentence("The harbour bridge closed on Friday after storm damage.", headline),),
    )
    page = render_html(make_briefing(sections=(Section("World", (story,)),)))
    card = page[page.index('<article class="story"') :]
    sources = card[card.index('class="sources"') : card.index('class="also"')]
    assert f'href="{headline.url}"' in sources
    assert f'href="{first.url}"' in card[card.index('class="also"') :]


def _link_targets(pdf: bytes) -> set[str]:
    """Every URI a PDF's link annotations point at."""
    targets = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for annot in page.get("/Annots") or ():
            action = annot.get_object().get("/A") or {}
            if "/URI" in action:
                targets.add(str(action["/URI"]))
    return targets


def test_no_failures_says_everything_was_read() -> None:
    assert "Every feed and article was read." in render_html(make_briefing(failures=()))


def test_hostile_text_is_escaped() -> None:
    evil = article(XSS, XSS, 5)
    story = Story(id=XSS, headline=XSS, topic=XSS, articles=(evil,), summary=(sentence(XSS, evil),))
    briefing = make_briefing(
        title=XSS,
        sections=(Section(XSS, (story,)),),
        failures=(Failure("article", XSS, XSS, XSS),),
    )
    out = render_html(briefing)
    assert "<script>x" not in out
    assert "<img src=x" not in out
    assert "&lt;script&gt;x" in out


def test_unsafe_urls_get_no_href() -> None:
    bad_urls = (
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,<b>x</b>",
        "file:///etc/hostname",
        "//evil.example/x",
        "/rel",
    )
    arts = tuple(article(f"Outlet {i}", "Title", i, url=u) for i, u in enumerate(bad_urls))
    story = Story(
        id="bad",
        headline="Bad links",
        topic="World",
        articles=arts,
        summary=tuple(sentence("Text.", a) for a in arts),
    )
    failure = Failure("article", "Bad link", "javascript:alert(2)", "refused")
    out = render_html(make_briefing(sections=(Section("World", (story,)),), failures=(failure,)))
    assert "javascript:" not in out.lower().replace("javascript:alert(2)</span>", "")
    assert 'href="javascript' not in out.lower()
    assert 'href="file:' not in out and 'href="data:' not in out and 'href="/' not in out


def test_safe_url() -> None:
    assert safe_url("https://example.com/a?b=1") == "https://example.com/a?b=1"
    assert safe_url("HTTP://example.com") == "HTTP://example.com"
    for bad in ("javascript:alert(1)", "https://", "https:/\\evil", "mailto:a@b", "", None, 3):
        assert safe_url(bad) is None


def test_dates_are_shown_in_the_briefing_timezone() -> None:
    zone = zone_of("America/New_York")
    assert format_span(T0, T0 + timedelta(minutes=95), zone) == "21 Jan 2022, 08:55 – 10:30"
    assert format_span(T0, T0, zone) == "21 Jan 2022, 08:55"
    assert long_date(date(2022, 1, 22)) == "Saturday 22 January 2022"
    out = render_html(make_briefing())
    assert "21 Jan 2022, 13:55 – 15:30" in out  # London is on UTC in January
    window = re.sub(r"<[^>]+>", "", out)
    assert "covering 21 Jan 2022, 06:00 – 22 Jan 2022, 06:00" in window


def test_bad_timezone_and_page_size_raise_render_error() -> None:
    with pytest.raises(RenderError):
        render_html(make_briefing(timezone="Mars/Olympus"))
    with pytest.raises(RenderError):
        render_html(make_briefing(), page_size="A0")


def test_template_error_raises_render_error(tmp_path: Path) -> None:
    (tmp_path / "briefing.html").write_text("{{ briefing.no_such_field }}")
    with pytest.raises(RenderError):
        render_html(make_briefing(), template_dir=tmp_path)


def test_pdf_reads_back(pdf: bytes) -> None:
    assert pdf.startswith(b"%PDF-")
    pages, text = pdf_text(pdf)
    assert pages >= 1
    assert "Harbour bridge closed" in text
    assert "Coastal Herald" in text
    assert "Gazette Feed" in text
    assert b"/EmbeddedFile" not in pdf


def test_pdf_embeds_the_bundled_fonts(pdf: bytes) -> None:
    reader = PdfReader(io.BytesIO(pdf))
    fonts = reader.pages[0]["/Resources"]["/Font"].values()
    names = {str(font.get_object()["/BaseFont"]).split("+")[-1] for font in fonts}
    assert {"Charis-SIL", "Charis-SIL-Italic", "Inter-Semi-Bold"} <= names


# A story in each of three scripts the bundled fonts lack, and the fonts that have it.
SCRIPTS = {
    "zh": ("出南京泰山5盒，原盒看图", ("CJK",)),
    "ar": ("الحكومة تعلن خطة جديدة للنقل العام", ("Arabic", "DejaVu-Sans")),
    "kn": ("ಬೆಂಗಳೂರು ನಗರದಲ್ಲಿ ಹೊಸ ಮೆಟ್ರೋ ಮಾರ್ಗ", ("Kannada",)),
}


def installed_font_for(lang: str) -> bool:
    import shutil
    import subprocess

    if not shutil.which("fc-list"):
        return False
    found = subprocess.run(["fc-list", f":lang={lang}", "family"], capture_output=True, text=True)
    return bool(found.stdout.strip())


@pytest.mark.parametrize("lang", sorted(SCRIPTS))
def test_pdf_draws_other_scripts_with_a_font_that_has_them(lang: str) -> None:
    """Charis and Inter have no Chinese, Arabic or Kannada: such a feed's stories must be set in
    a system font that has them (the set-up installs Noto's), not in empty boxes."""
    if not installed_font_for(lang):
        pytest.skip(f"no font for :lang={lang}: install fonts-noto-core and fonts-noto-cjk")
    text, families = SCRIPTS[lang]
    art = dataclasses.replace(article("Outlet", text, 0), language=lang)
    story = Story(
        id="s", headline=text, topic="World", articles=(art,), summary=(sentence(text, art),)
    )
    briefing = make_briefing(sections=(Section("World", (story,)),))
    reader = PdfReader(io.BytesIO(render_pdf(render_html(briefing))))
    names = {
        str(font.get_object()["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert any(family in name for name in names for family in families), names


@pytest.mark.parametrize(
    ("text", "declared", "forms"),
    [
        ("政府公布新的公共交通计划，这是国家发展的关键", "", "SC"),
        ("政府公布新的公共交通计划，这是国家发展的关键", "zh", "SC"),
        ("政府公佈新的公共交通計劃，這是國家發展的關鍵", "", "TC"),
        ("政府公佈新的公共交通計劃，這是國家發展的關鍵", "zh-Hant", "TC"),
        ("東京で新しい公共交通計画が発表されました", "", "JP"),
    ],
)
def test_chinese_is_drawn_in_chinese_forms_whatever_the_feed_declares(
    text: str, declared: str, forms: str
) -> None:
    """One character is drawn differently in Chinese and Japanese, and fontconfig picks the
    font by a tag it knows ("zh-cn", "zh-tw", "ja"): without one, or with just "zh", Chinese
    came out in Noto's Japanese forms."""
    if not installed_font_for("zh-cn"):
        pytest.skip("no font for :lang=zh-cn: install fonts-noto-cjk")
    art = dataclasses.replace(article("Outlet", text, 0), language=declared)
    story = Story(
        id="s", headline=text, topic=text, articles=(art,), summary=(sentence(text, art),)
    )
    briefing = make_briefing(sections=(Section(text, (story,)),))  # a label in the same script
    page = render_html(briefing)
    tag = {"SC": "zh-CN", "TC": "zh-TW", "JP": "ja"}[forms]
    # The card, its contents line, the section's heading and its contents line.
    assert page.count(f'lang="{tag}"') == 4
    reader = PdfReader(io.BytesIO(render_pdf(page)))
    names = {
        str(font.get_object()["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    cjk = {name.split("+")[-1] for name in names if "CJK" in name}
    assert cjk and all(f"CJK-{forms}" in name for name in cjk), cjk


@pytest.mark.parametrize(
    ("headline", "rtl"),
    [
        ("الحكومة تعلن خطة جديدة للنقل العام", True),
        ("הממשלה הודיעה על תוכנית תחבורה חדשה", True),
        ("Government unveils a new transport plan for Cairo (القاهرة)", False),
        ("Storm shuts harbour bridge", False),
    ],
)
def test_a_story_in_a_right_to_left_script_is_set_right_to_left(headline: str, rtl: bool) -> None:
    """Told by its letters, not a declared language; the card's own words stay left to right."""
    from briefing.render import render_email

    art = article("Outlet", headline, 0)
    story = Story(
        id="s",
        headline=headline,
        topic="World",
        articles=(art,),
        summary=(sentence(headline, art),),
    )
    briefing = make_briefing(sections=(Section("World", (story,)),))
    page = render_html(briefing)
    card = page[page.index('<article class="story"') :]
    assert ('<h3 class="headline"' in card) and (card.count('dir="rtl"') == (2 if rtl else 0))
    assert ('<p class="sources" dir="rtl"' in card) is False
    assert (f'dir="rtl">{headline}</a>' in page) is rtl  # its line in the contents
    assert (render_email(briefing).html.count('dir="rtl"') == 2) is rtl


def test_pdf_fetcher_refuses_local_files(tmp_path: Path) -> None:
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"SENTINEL-1234")
    hostile = (
        f'<html><head><style>body {{ background: url("{secret.as_uri()}") }}</style></head>'
        f'<body><p>Hello</p><img src="file:///etc/hostname"><img src="{secret.as_uri()}">'
        '<img src="../../../../etc/hostname"><img src="http://127.0.0.2:9/x.png">'
        f'<link rel="attachment" href="{secret.as_uri()}"></body></html>'
    )
    pdf, refused = typeset_pdf(hostile)
    assert "file:///etc/hostname" in refused
    assert secret.as_uri() in refused
    assert "http://127.0.0.2:9/x.png" in refused
    assert b"/EmbeddedFile" not in pdf and b"SENTINEL" not in pdf
    assert b"/Subtype /Image" not in pdf and b"/Subtype/Image" not in pdf


def test_pdf_failure_in_the_child_raises_render_error() -> None:
    # Not HTML WeasyPrint can make a page of within a tiny memory limit: the child fails cleanly.
    with pytest.raises(RenderError):
        render_pdf("<p>x</p>", memory_mb=64)


def test_pdf_over_its_time_limit_is_stopped() -> None:
    started = time.monotonic()
    with pytest.raises(RenderError, match="longer than"):
        render_pdf("<p>" + "word " * 20000 + "</p>", timeout=0.3)
    assert time.monotonic() - started < 10


def test_render_writes_both_files_atomically(tmp_path: Path) -> None:
    out = tmp_path / "out"
    paths = render(make_briefing(), out, "2022-01-22", page_size="Letter")
    assert [p.name for p in paths] == ["2022-01-22.html", "2022-01-22.pdf"]
    assert sorted(p.name for p in out.iterdir()) == ["2022-01-22.html", "2022-01-22.pdf"]
    assert "Morning Briefing" in paths[0].read_text(encoding="utf-8")
    assert paths[1].read_bytes().startswith(b"%PDF-")


def test_write_outputs_replaces_and_leaves_no_temp_files(tmp_path: Path) -> None:
    briefing = make_briefing()
    write_outputs(briefing, "old", None, tmp_path, "day")
    (path,) = write_outputs(briefing, "new \ud800", None, tmp_path, "day")
    assert path.read_text(encoding="utf-8") == "new ?"
    assert [p.name for p in tmp_path.iterdir()] == ["day.html"]


def test_write_outputs_errors_name_the_path(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(DeliveryError) as caught:
        write_outputs(make_briefing(), "x", None, blocker / "sub", "day")
    assert str(blocker / "sub") in str(caught.value)
    with pytest.raises(DeliveryError):
        write_outputs(make_briefing(), "x", None, tmp_path, "../escape")


def test_render_rejects_unknown_formats(tmp_path: Path) -> None:
    with pytest.raises(RenderError):
        render(make_briefing(), tmp_path, "day", formats=("html", "docx"))


def test_briefing_is_frozen_input() -> None:
    # The templates get the record itself: a changed copy renders the change.
    changed = dataclasses.replace(make_briefing(), title="Evening Briefing")
    assert "Evening Briefing" in render_html(changed)
