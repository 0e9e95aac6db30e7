"""Other posts' articles set inside the page's (teasers with a permalink elsewhere) go first."""

from __future__ import annotations

import gzip
from pathlib import Path

from trafilatura.utils import load_html

from briefing.demo.server import serve
from briefing.extract import explain_document
from briefing.extract.page import (
    OPTIONS,
    OTHER_POST,
    Options,
    extract_page,
    other_posts,
    run_trafilatura,
)
from briefing.fetch.http import Fetcher

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "extract"
# A page of ScrapingHub's article benchmark, its scripts, styles and image sets taken out: a short
# text in its article, then six other posts, five of them an <article> set inside another with a
# rel="bookmark" link to its own page. trafilatura reads the posts as the text.
NESTED = gzip.decompress((FIXTURES / "nested_posts.html.gz").read_bytes()).decode("utf-8")
URL = "https://www.mensagensreflexao.com.br/quem-se-ama"
TEXT = (  # the page's own text, as the benchmark's human reader took it
    "Viver uma verdadeira experiência amorosa é um dos maiores prazeres da vida.",
    "Só quem se ama pode encontrar em sua vida Um Amor de Verdade",
)
TEASER = "Bem-aventurados os que trilham caminhos retos"  # another post's first words
STORY = "".join(
    f"<p>Paragraph {i}: the harbour council voted on the plan after a long debate about costs,"
    " jobs and the tides that flood the quay twice a year.</p>"
    for i in range(6)
)


def page(body: str, head: str = "") -> str:
    return f"<html><head><title>Harbour plan</title>{head}</head><body>{body}</body></html>"


def post(href: str, words: str = "Another post's teaser, a few words long.") -> str:
    return f"<article><h2><a rel='bookmark' href='{href}'>A post</a></h2><p>{words}</p></article>"


def test_other_posts_set_inside_the_page_go_and_its_text_stays() -> None:
    alone = str(run_trafilatura(NESTED, URL, False, Options(other_posts=False)).text)
    assert TEASER in alone  # what trafilatura does by itself
    assert OPTIONS.other_posts
    text = " ".join(extract_page(NESTED, URL, with_date=False).paragraphs)
    assert text.startswith(TEXT[0]) and text.endswith(TEXT[1])
    assert TEASER not in text


def test_a_nested_article_whose_permalink_is_this_page_stays() -> None:
    url = "https://example.org/news/harbour-plan"
    for href in ("#comment-3", "/news/harbour-plan/", "https://www.example.org/news/harbour-plan"):
        html = page(f"<article>{STORY}{post(href)}</article>")
        assert other_posts(load_html(html), url) == [], href
    canonical = "<link rel='canonical' href='https://example.org/news/harbour-plan'>"
    html = page(f"<article>{STORY}{post('/news/harbour-plan')}</article>", canonical)
    assert other_posts(load_html(html), "https://example.org/amp/7") == []


def test_only_an_article_inside_another_with_one_permalink_elsewhere_goes() -> None:
    url = "https://example.org/news/harbour-plan"
    nested = page(f"<article>{STORY}{post('/news/ferry')}{post('/news/bridge')}</article>")
    found = other_posts(load_html(nested), url)
    assert [e.findtext("p") for e in found] == ["Another post's teaser, a few words long."] * 2
    # A related post's permalink set inside the page's own article: not nested, so not another's.
    related = "<p>Related: <a rel='bookmark' href='/news/ferry'>Ferry fares rise</a></p>"
    footer = "<footer>" + "<p>The Town Paper, 1 Quay Street, Harbourtown.</p>" * 8 + "</footer>"
    html = page(f"<article>{STORY}{related}</article>{footer}")
    assert other_posts(load_html(html), url) == []
    # An article inside another naming two pages is not one post.
    two = "<article><a rel='bookmark' href='/a'>A</a><a rel='bookmark' href='/b'>B</a></article>"
    assert other_posts(load_html(page(f"<article>{STORY}{two}</article>")), url) == []
    # A permalink that names no web page tells nothing.
    script = page(f"<article>{STORY}{post('javascript:void(0)')}{post('mailto:a@b.org')}</article>")
    assert other_posts(load_html(script), url) == []
    # Where the page's address is unknown, no permalink can be told to be another page's.
    assert other_posts(load_html(nested), "") == []


def test_a_listing_of_posts_is_left_alone() -> None:
    words = "A post's teaser, long enough to be most of the page's text. " * 5
    listing = page("<article><h1>Posts</h1>" + post("/a", words) + post("/b", words) + "</article>")
    assert other_posts(load_html(listing), "https://example.org/blog") == []


def test_explain_names_the_other_posts_through_a_real_server(
    tmp_path: Path, fetcher: Fetcher
) -> None:
    (tmp_path / "quem-se-ama.html").write_text(NESTED, encoding="utf-8")
    with serve(tmp_path) as server:
        extraction, dropped = explain_document(
            f"{server.base_url}/quem-se-ama.html", fetcher=fetcher
        )
    assert " ".join(extraction.paragraphs).startswith(TEXT[0])
    before = [d for d in dropped if d.reason == OTHER_POST]
    assert any(TEASER in d.text for d in before)
    assert all(d.stage == "before trafilatura" for d in before)
