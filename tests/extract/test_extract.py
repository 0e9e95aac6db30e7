"""Article extraction: real pages from a local server, the boilerplate pass, the fallbacks."""

from __future__ import annotations

import faulthandler
import gzip
import json
import os
import signal
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import trafilatura
import trafilatura.utils
from click.testing import CliRunner
from lxml import etree
from lxml.html import HtmlComment, HtmlElement

from briefing.cli import main
from briefing.demo import SITE
from briefing.demo.server import Canned, serve
from briefing.errors import ExtractError
from briefing.extract import (
    Extraction,
    Limits,
    PageJob,
    article_for_entry,
    extract_articles,
    extract_document,
    extract_page,
    extract_pages,
    read_saved_page,
    strip_boilerplate,
)
from briefing.extract.page import OPTIONS, clean_title, parse_page, run_trafilatura
from briefing.fetch.http import Fetcher
from briefing.models import Entry, FeedSource
from briefing.store import open_store

APPEAL_LINES = (
    "small favor to ask",
    "Support The Moscow Times",
    "Remind me later",
    "paiment methods",
    "Sergei Bobylev / TASS",
)
SOURCE = FeedSource("Outlet", "http://127.0.0.1/feed", "World", timeout=5)


def entry(
    url: str, summary: str = "The feed's own two sentences. They say what happened."
) -> Entry:
    return Entry(
        id="e1",
        source="Outlet",
        topic="World",
        url=url,
        title="A title",
        summary=summary,
        published=datetime(2022, 1, 21, 12, tzinfo=UTC),
    )


def test_moscow_times_page_loses_its_appeal_and_credit(fetcher: Fetcher) -> None:
    page = next((SITE / "moscowtimes").glob("*.html"))
    with serve(SITE) as server:
        url = f"{server.base_url}/moscowtimes/{page.name}"
        article, failure = article_for_entry(entry(url), SOURCE, fetcher)
    assert failure is None and article is not None and article.origin == "page"
    assert "written responses to all our proposals next week" in article.text
    assert "The Russian diplomat vowed to hold further negotiations" in article.text
    for line in APPEAL_LINES:
        assert line not in article.text


def test_seed_with_the_donation_appeal_loses_all_of_it_and_none_of_the_article(
    fetcher: Fetcher,
) -> None:
    seed = next((Path(__file__).resolve().parents[1] / "fixtures" / "seeds").glob("003_*.txt"))
    paragraphs = [" ".join(p.split()) for p in seed.read_text(encoding="utf-8").split("\n\n")]
    start = next(i for i, p in enumerate(paragraphs) if "small favor to ask" in p)
    # The seed opens with the appeal's banner, the headline and the photo's caption.
    article_part, appeal = paragraphs[3:start], paragraphs[start:] + paragraphs[:1]
    assert len(article_part) > 5 and len(appeal) > 5
    page = next((SITE / "moscowtimes").glob("*.html"))
    with serve(SITE) as server:
        url = f"{server.base_url}/moscowtimes/{page.name}"
        article, _ = article_for_entry(entry(url), SOURCE, fetcher)
    assert article is not None
    text = " ".join(article.text.split())
    assert [p for p in article_part if p and p not in text] == []
    assert [p for p in appeal if p and p.rstrip(".!") in text] == []
    assert "Bobylev / TASS" not in text


@pytest.mark.parametrize("folder", ["avrupatimes", "sputnik", "infosurhoy", "news2in"])
def test_demo_pages_give_their_article(folder: str, fetcher: Fetcher) -> None:
    page = next((SITE / folder).glob("*.html"))
    with serve(SITE) as server:
        article, failure = article_for_entry(
            entry(f"{server.base_url}/{folder}/{page.name}"), SOURCE, fetcher
        )
    assert failure is None and article is not None
    assert len(article.text.split()) > 250
    assert "Lavrov" in article.text
    assert "newsletter" not in article.text.lower()


def test_missing_page_falls_back_to_the_feed_text(tmp_path: Path, fetcher: Fetcher) -> None:
    with serve(tmp_path) as server:
        article, failure = article_for_entry(entry(f"{server.base_url}/gone.html"), SOURCE, fetcher)
    assert article is not None and article.origin == "feed"
    assert article.text == "The feed's own two sentences. They say what happened."
    assert failure is not None and failure.reason == "HTTP 404; used the feed's text"


def test_consent_wall_falls_back_to_the_feed_text(tmp_path: Path, fetcher: Fetcher) -> None:
    wall = (
        b"<html><body><main><p>We value your privacy. Accept all cookies?</p></main></body></html>"
    )
    summary = " ".join(["Word"] * 60) + "."
    with serve(tmp_path, {"/wall.html": Canned(200, wall, (("Content-Type", "text/html"),))}) as s:
        article, failure = article_for_entry(
            entry(f"{s.base_url}/wall.html", summary), SOURCE, fetcher
        )
    assert article is not None and article.origin == "feed"
    assert failure is not None and "used the feed's text" in failure.reason


@pytest.mark.parametrize(
    ("page_words", "feed_words", "reason"),
    [
        (25, 60, "the page is a teaser; used the feed's text"),
        (150, 400, "the page held less text than the feed; used the feed's text"),
    ],
)
def test_a_page_with_less_than_the_feed_falls_back(
    tmp_path: Path, fetcher: Fetcher, page_words: int, feed_words: int, reason: str
) -> None:
    sentence = "The ministers met again on Friday to discuss the plan in detail. "
    body = " ".join([sentence] * (page_words // 12))
    page = f"<html><body><article><p>{body}</p></article></body></html>".encode()
    summary = " ".join(["word"] * feed_words) + "."
    routes = {"/p.html": Canned(200, page, (("Content-Type", "text/html"),))}
    with serve(tmp_path, routes) as server:
        article, failure = article_for_entry(
            entry(f"{server.base_url}/p.html", summary), SOURCE, fetcher
        )
    assert article is not None and article.origin == "feed"
    assert failure is not None and failure.reason == reason


def test_no_page_and_no_feed_text_is_a_failure_without_article(
    tmp_path: Path, fetcher: Fetcher
) -> None:
    with serve(tmp_path) as server:
        articles, failures = extract_articles(
            [entry(f"{server.base_url}/gone.html", summary="")], [SOURCE], fetcher
        )
    assert articles == ()
    assert [f.reason for f in failures] == ["HTTP 404"]


def test_full_text_off_never_fetches(tmp_path: Path, fetcher: Fetcher) -> None:
    source = FeedSource("Outlet", "http://127.0.0.1/feed", "World", full_text=False)
    with serve(tmp_path) as server:
        article, failure = article_for_entry(entry(f"{server.base_url}/a.html"), source, fetcher)
    assert server.requests == {} and failure is None
    assert article is not None and article.origin == "feed"


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("Sign up for our morning newsletter and get the day's news first.", "appeal"),
        ("Please support independent journalism: donate today.", "appeal"),
        ("Become a member for just $5 a month.", "appeal"),
        ("Read more", "furniture"),
        ("Related stories", "furniture"),
        # a label, a colon, another story's headline (City A.M., Live Science)
        ("Read more: Tencent profit falls as Alibaba threat and economic woes weigh", "furniture"),
        ("Related: SpaceX's Starship and Super Heavy Mars Rocket in Pictures", "furniture"),
        ("The minister at the summit. John Smith / Reuters", "photo credit"),
        ("Photo: AFP", "photo credit"),
        ("Comments are moderated and appear after approval", "comments note"),
        ("Os comentários serão publicados após aprovação", "comments note"),
        ("Los comentarios serán publicados tras su revisión", "comments note"),
        ("Kommentare werden nach Prüfung freigeschaltet", "comments note"),
    ],
)
def test_boilerplate_is_removed_with_its_reason(line: str, reason: str) -> None:
    kept, removed = strip_boilerplate(["A real sentence of the article, long enough.", line])
    assert kept == ["A real sentence of the article, long enough."]
    assert removed == [(line, reason)]


def test_article_sentences_survive_the_boilerplate_pass() -> None:
    lines = [
        "The central bank raised rates by half a point on Thursday, its third rise this year.",
        "Officials said the decision was unanimous.",
        '"We will do what is needed," the governor told reporters in Frankfurt.',
        "Analysts at two banks said markets had expected the move / a smaller one.",
        "Related talks in Geneva ended without a deal: the envoys will meet again in March.",
    ]
    kept, removed = strip_boilerplate(lines)
    assert kept == lines and removed == []


def test_short_lines_after_an_appeal_go_with_it() -> None:
    lines = [
        "Article text that matters here.",
        "We have a small favour to ask.",
        "payment options",
        "Not now",
        "Maybe later.",
    ]
    kept, removed = strip_boilerplate(lines)
    assert kept == ["Article text that matters here."]
    assert {reason for _, reason in removed} == {"appeal"}


# --- Self-describing fixtures: each page says what must be kept and what removed, and why ---

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "extract"


def expectations(page: str) -> tuple[list[str], list[tuple[str, str]]]:
    """The Keep: and Drop: reason: lines of a fixture's leading comment."""
    header = page.split("-->", 1)[0]
    keep = [line[5:].strip() for line in header.splitlines() if line.startswith("Keep:")]
    drop = [
        tuple(part.strip() for part in line[5:].split(":", 1))
        for line in header.splitlines()
        if line.startswith("Drop:")
    ]
    return keep, drop  # type: ignore[return-value]


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.html")))
def test_fixture_pages_lose_their_boilerplate_with_reasons(name: str) -> None:
    page = (FIXTURES / name).read_text(encoding="utf-8")
    keep, drop = expectations(page)
    assert keep and drop, "a fixture must say what it expects"
    found = extract_page(page, f"https://example.org/{name}")
    text = "\n\n".join(found.paragraphs)
    for phrase in keep:
        assert phrase in text
    removed_here = 0
    for reason, phrase in drop:
        assert phrase not in text
        reasons = {why for para, why in found.removed if phrase in para}
        assert reasons <= {reason}
        removed_here += bool(reasons)
    # trafilatura drops some of it by itself; the second pass must have caught the rest
    assert removed_here >= 1


def test_served_fixture_page_loses_its_appeal(fetcher: Fetcher) -> None:
    with serve(FIXTURES) as server:
        url = f"{server.base_url}/appeal_end_of_article.html"
        article, failure = article_for_entry(entry(url), SOURCE, fetcher)
    assert failure is None and article is not None and article.origin == "page"
    assert "three public meetings in March" in article.text
    assert "favour" not in article.text and "payment" not in article.text


def test_metadata_title_without_site_name_and_date() -> None:
    page = (FIXTURES / "appeal_end_of_article.html").read_text(encoding="utf-8")
    found = extract_page(page, "https://harborledger.example/news/coal")
    assert found.title == "Council votes to close coal plant by 2027"
    assert found.site_name == "The Harbor Ledger"
    assert found.language == "en"
    assert found.published is not None and found.published.date().isoformat() == "2022-01-21"


def test_the_page_date_is_searched_only_when_asked() -> None:
    page = (FIXTURES / "appeal_end_of_article.html").read_text(encoding="utf-8")
    jobs = [
        PageJob("asked", page, "https://harborledger.example/news/coal"),
        PageJob("known", page, "https://harborledger.example/news/coal", with_date=False),
    ]
    found = extract_pages(jobs, workers=1)
    asked, known = found["asked"], found["known"]
    assert isinstance(asked, Extraction) and isinstance(known, Extraction)
    assert asked.published == datetime(2022, 1, 21, tzinfo=UTC)
    assert known.published is None
    assert replace(known, published=asked.published) == asked


def test_a_feed_date_spares_the_page_search_and_wins(fetcher: Fetcher) -> None:
    with serve(FIXTURES) as server:
        url = f"{server.base_url}/appeal_end_of_article.html"
        dated, _ = article_for_entry(entry(url), SOURCE, fetcher)
        undated, _ = article_for_entry(replace(entry(url), published=None), SOURCE, fetcher)
    assert dated is not None and dated.published == datetime(2022, 1, 21, 12, tzinfo=UTC)
    assert undated is not None and undated.published == datetime(2022, 1, 21, tzinfo=UTC)


@pytest.mark.parametrize("path", sorted(SITE.rglob("*.html")) + sorted(FIXTURES.glob("*.html")))
def test_page_metadata_matches_trafilaturas_own_pass(path: Path) -> None:
    page = path.read_text(encoding="utf-8")
    url = "https://example.org/" + path.name
    ours = run_trafilatura(page, url)
    theirs = trafilatura.bare_extraction(  # these pages hold no tables to unwrap
        page,
        url=url,
        with_metadata=True,
        include_comments=OPTIONS.comments,
        include_tables=OPTIONS.tables != "none",
        favor_precision=OPTIONS.precision,
        fast=OPTIONS.fast,
    )
    assert theirs is not None
    for name in ("text", "title", "sitename", "image", "date"):
        assert getattr(ours, name) == getattr(theirs, name), name


@pytest.mark.parametrize(
    ("title", "site", "url", "clean"),
    [
        ("Talks resume | Reuters", "Reuters", "https://www.reuters.com/a", "Talks resume"),
        ("Talks resume - BBC News", "BBC", "https://www.bbc.co.uk/a", "Talks resume"),
        ("Milan Design Week | FLOS at 60", "Inexhibit", "https://inexhibit.com/a", None),
    ],
)
def test_site_name_suffix_is_cut_from_titles(
    title: str, site: str, url: str, clean: str | None
) -> None:
    assert clean_title(title, site, url) == (clean or title)


def test_extraction_never_takes_bytes() -> None:
    with pytest.raises(TypeError):
        extract_page(b"<html></html>", "https://example.org/")  # type: ignore[arg-type]


# --- Worker processes: one pathological page costs one article, never the run ---

GOOD = (FIXTURES / "related_links.html").read_text(encoding="utf-8")


def test_ten_thousand_nested_divs_cost_at_most_their_own_page() -> None:
    deep = "<html><body>" + "<div>" * 10_000 + "<p>Deep text. " * 50 + "</div>" * 10_000
    results = extract_pages([PageJob("deep", deep, "http://x/deep"), PageJob("ok", GOOD, "")])
    assert isinstance(results["ok"], Extraction)
    assert "deep" in results  # an answer, whichever it is: the parent survived


def test_a_page_past_the_time_limit_is_stopped_and_the_rest_goes_on() -> None:
    rows = "<tr><td>cell one</td><td>cell two</td></tr>" * 200_000
    huge = f"<html><body><article><p>Intro.</p><table>{rows}</table></article></body></html>"
    jobs = [PageJob("huge", huge, "http://x/huge"), PageJob("ok", GOOD, "")]
    results = extract_pages(jobs, workers=1, limits=Limits(seconds=1.0))
    assert results["huge"] == "extraction took longer than 1 s and was stopped"
    assert isinstance(results["ok"], Extraction)


def hog_memory(page: str, url: str, with_date: bool = True) -> Extraction:
    """An extractor that wants far more memory than a worker may have."""
    if page == "hog":
        return bytearray(4 * 1024**3)  # type: ignore[return-value]
    return extract_page(page, url, with_date)


def crash(page: str, url: str, with_date: bool = True) -> Extraction:
    """An extractor that dies the way a segfaulting C library would."""
    if page == "crash":
        faulthandler.disable()  # pytest's handler would print the child's stack
        os.kill(os.getpid(), signal.SIGSEGV)
    return extract_page(page, url, with_date)


def test_a_page_past_the_memory_limit_fails_alone() -> None:
    jobs = [PageJob("hog", "hog", ""), PageJob("ok", GOOD, "")]
    results = extract_pages(jobs, workers=1, limits=Limits(memory_mb=256), extractor=hog_memory)
    assert results["hog"] == "the page needed more memory than a worker may use"
    assert isinstance(results["ok"], Extraction)


def test_a_crashing_worker_costs_one_page_and_is_replaced() -> None:
    jobs = [PageJob("a", GOOD, ""), PageJob("crash", "crash", ""), PageJob("b", GOOD, "")]
    results = extract_pages(jobs, workers=1, extractor=crash)
    assert str(results["crash"]).startswith("the extraction worker died")
    assert isinstance(results["a"], Extraction) and isinstance(results["b"], Extraction)


def test_a_gzip_bomb_is_refused_without_being_expanded(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.html.gz"
    bomb.write_bytes(gzip.compress(b"\0" * (4 * 1024 * 1024)))
    with pytest.raises(ExtractError, match="larger than"):
        read_saved_page(bomb, max_bytes=1024 * 1024)


# --- Learned site boilerplate and per-feed health, in a real store ---

SITE_NOTE = "The Harbor Ledger is a regional paper founded in 1911 and owned by its staff."


def site_page(n: int) -> bytes:
    body = " ".join(
        f"Sentence {i} of report {n} says something new about the harbour." for i in range(12)
    )
    return (
        f"<html><body><article><h1>Report {n}</h1><p>{body}</p><p>{body[::-1]}</p>"
        f"<p>{SITE_NOTE}</p></article></body></html>"
    ).encode()


def test_a_paragraph_a_site_repeats_is_learned_and_dropped(
    tmp_path: Path, fetcher: Fetcher
) -> None:
    routes = {
        f"/r{n}.html": Canned(200, site_page(n), (("Content-Type", "text/html"),)) for n in range(4)
    }
    with open_store(tmp_path / "b.db") as store, serve(tmp_path, routes) as server:
        entries = [replace(entry(f"{server.base_url}/r{n}.html"), id=f"e{n}") for n in range(3)]
        articles, _ = extract_articles(entries, [SOURCE], fetcher, store=store)
        assert all(SITE_NOTE not in a.text for a in articles)
        later, _ = extract_articles(
            [replace(entry(f"{server.base_url}/r3.html"), id="e3")], [SOURCE], fetcher, store=store
        )
        assert SITE_NOTE not in later[0].text and "report 3" in later[0].text
        health = store.extraction_health()
    assert health["Outlet"].articles == 4 and health["Outlet"].fallbacks == 0


def test_feed_health_counts_fallbacks(tmp_path: Path, fetcher: Fetcher) -> None:
    with open_store(tmp_path / "b.db") as store, serve(tmp_path) as server:
        extract_articles([entry(f"{server.base_url}/gone.html")], [SOURCE], fetcher, store=store)
        health = store.extraction_health()["Outlet"]
    assert (health.articles, health.fallbacks, health.failures) == (1, 1, 0)
    assert health.last_reason == "HTTP 404; used the feed's text"
    assert health.fallback_rate == 1.0


# --- The command line ---


def test_cli_extract_json_of_a_gzipped_page(tmp_path: Path) -> None:
    saved = tmp_path / "page.html.gz"
    saved.write_bytes(gzip.compress((FIXTURES / "appeal_end_of_article.html").read_bytes()))
    result = CliRunner().invoke(main, ["extract", str(saved), "--json"])
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    assert {"title", "text", "published", "author", "site", "language", "removed"} <= set(record)
    assert "\n\nThe plant, which opened in 1968" in record["text"]
    assert {r["reason"] for r in record["removed"]} == {"appeal"}


def test_cli_extract_explain_shows_what_went_and_why() -> None:
    result = CliRunner().invoke(
        main, ["extract", str(FIXTURES / "photo_credits.html"), "--explain"]
    )
    assert result.exit_code == 0, result.output
    assert "second pass (" in result.output  # each paragraph under the stage that dropped it
    assert "  [photo credit; appeal score 0." in result.output
    assert "] Photo: Reuters" in result.output
    assert result.output.startswith("Ministers meet in Geneva as talks resume\n\n")


def test_cli_extract_of_a_missing_file_is_one_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["extract", str(tmp_path / "nope.html")])
    assert result.exit_code == 1
    assert "cannot read the file" in result.output


def test_extract_document_reads_a_url_through_the_fetcher(fetcher: Fetcher) -> None:
    with serve(FIXTURES) as server:
        found = extract_document(f"{server.base_url}/newsletter_prompts.html", fetcher=fetcher)
    assert found.title == "Cloud outage takes down thousands of websites"
    assert ("Like this article? Share it with a friend!", "appeal") in found.removed


PARSE_CASES = {
    "xml declaration": '<?xml version="1.0" encoding="utf-8"?><html><body><p>a</p></body></html>',
    "self-closing html": "<!DOCTYPE html>\n<html lang='en'/>\n<body><p>x</p></body>",
    "control characters": "<html><body><p>a\x01b\x00c</p></body></html>",
    "fragment": "<p>one block, no html tag</p>",
    "not html": "plain words, no markup at all",
    "empty": "",
}


@pytest.mark.parametrize("name", [*sorted(p.name for p in FIXTURES.glob("*.html")), *PARSE_CASES])
def test_pages_are_parsed_as_trafilatura_parses_them(name: str) -> None:
    """Our parser (element classes looked up in C) builds trafilatura's tree, or refuses alike."""
    page = PARSE_CASES[name] if name in PARSE_CASES else (FIXTURES / name).read_text("utf-8")
    ours, theirs = parse_page(page), trafilatura.utils.load_html(page)
    assert (ours is None) == (theirs is None)
    if ours is not None:
        assert etree.tostring(ours) == etree.tostring(theirs)
        assert {type(e) for e in ours.iter()} <= {HtmlElement, HtmlComment}
