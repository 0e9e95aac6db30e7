"""An article set in chunks of one kind is read whole; pages read whole already are left alone."""

from __future__ import annotations

from briefing.extract import extract_page
from briefing.extract.chunks import join_missing_chunks
from briefing.extract.page import Options, parse_page, run_trafilatura

SENTENCE = "the council voted on the harbour plan after a long debate about costs, jobs and tides."


def _paragraphs(stretch: int, n: int = 3) -> str:
    return "".join(f"<p>Stretch {stretch}, paragraph {i}: {SENTENCE}</p>" for i in range(n))


def _page(body: str) -> str:
    return (
        "<!doctype html>\n<html><head><title>Harbour plan</title></head><body>\n"
        '<header><nav><a href="/">Home</a></nav></header>\n<main>'
        f'<article class="article main-content"><h1>Harbour plan</h1>{body}</article>'
        "</main>\n<footer><p>The Town Paper</p></footer></body></html>"
    )


# The way some sites set an article: each stretch in a grid row of its own, an advert beside it.
SPLIT = _page(
    '<div class="content-background"><div class="article__chunks">'
    + "".join(
        '<div class="grid grid-margins grid-items-2">'
        f'<div class="grid--item body body__container article__body">{_paragraphs(k)}</div>'
        '<div class="grid--item grid-layout__aside"><div class="ad">Advertisement</div></div>'
        "</div>"
        for k in range(3)
    )
    + "</div></div>"
)


def test_an_article_split_into_chunks_is_read_whole_and_in_order() -> None:
    alone = run_trafilatura(SPLIT, "https://example.org/a", False, Options(chunks=False))
    assert "Stretch 1" not in str(alone.text)  # what trafilatura does by itself: the first only
    lines = extract_page(SPLIT, "https://example.org/a", with_date=False).paragraphs
    assert [line[:22] for line in lines] == [
        f"Stretch {k}, paragraph {i}" for k in range(3) for i in range(3)
    ]


def test_chunks_trafilatura_read_whole_are_left_as_they_are() -> None:
    page = _page(
        f'<div class="body">{_paragraphs(0)}</div><figure>A harbour</figure>'
        f'<div class="body">{_paragraphs(1)}</div>'
    )
    tree = parse_page(page)
    assert tree is not None
    read = str(run_trafilatura(page, "https://example.org/b", False).text)
    assert "Stretch 0" in read and "Stretch 1" in read
    assert not join_missing_chunks(tree, read)


def test_teasers_of_other_reports_are_no_chunks() -> None:
    teasers = "".join(
        f'<div class="teaser"><h3>Other report {k}</h3><p>Teaser {k}: {SENTENCE}</p></div>'
        for k in range(4)
    )
    tree = parse_page(_page(f'<div class="body">{_paragraphs(0, 4)}</div>{teasers}'))
    assert tree is not None
    assert not join_missing_chunks(tree, f"Stretch 0, paragraph 0: {SENTENCE}")


def test_a_listing_of_posts_each_under_its_title_is_no_article_in_chunks() -> None:
    posts = "".join(
        f'<div class="post"><h2 class="entry-title">Post {k}</h2>'
        f'<div class="entry-content">{_paragraphs(k)}</div></div>'
        for k in range(3)
    )
    tree = parse_page(_page(posts))
    assert tree is not None
    first_post = " ".join(f"Stretch 0, paragraph {i}: {SENTENCE}" for i in range(3))
    assert not join_missing_chunks(tree, first_post)
