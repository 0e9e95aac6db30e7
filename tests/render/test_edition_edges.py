"""The edition's rough edges: rules under cards, the masthead's last line, the footer's page,
quotes, one outlet's markers, and a summary's opening sentence and repeated amounts."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import cssselect2
import tinycss2
import tinyhtml5
from pypdf import PdfReader

from briefing.compose.coverage import Candidate, Settings, best_cover, phrases_of
from briefing.compose.summarize import leans_back, summarize_story
from briefing.models import Article, Section, Story
from briefing.render import render_html, render_pdf
from briefing.render.quotes import typographic_quotes

from ..render.test_render import make_briefing, sentence

T0 = datetime(2022, 1, 21, 12, 0, tzinfo=UTC)


def _unruled(page: str) -> list[str]:
    """The ids of the headlines of the cards that the page's style leaves without a rule."""
    root = cssselect2.ElementWrapper.from_html_root(tinyhtml5.parse(page))
    style = "".join(e.etree_element.text or "" for e in root.query_all("style"))
    unruled = []
    for rule in tinycss2.parse_stylesheet(style, skip_comments=True, skip_whitespace=True):
        body = tinycss2.serialize(getattr(rule, "content", None) or [])
        if rule.type != "qualified-rule" or "border-bottom: none" not in body:
            continue
        for selector in cssselect2.compile_selector_list(rule.prelude):
            for match in root.query_all(selector):
                if match.etree_element.get("class") == "story":
                    unruled.append(match.query("h3").etree_element.get("id"))
    return unruled


def test_every_card_but_a_sections_last_has_a_rule_under_it() -> None:
    page = render_html(make_briefing())
    cards = re.findall(r'<h3 class="headline" id="([^"]+)"', page)
    # World holds two cards, Business one: the second and third are their sections' last.
    assert sorted(_unruled(page)) == sorted(cards[1:])


def test_the_masthead_never_ends_on_a_word_alone() -> None:
    page = render_html(make_briefing(title="Demo Briefing: Russia-US security talks"))
    assert "security\u00a0talks" in page
    lines = _pdf_pages(render_pdf(page))[0].splitlines()
    assert "talks" not in [line.strip() for line in lines]


def _pdf_pages(pdf: bytes) -> list[str]:
    return [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]


def test_a_short_editions_footer_shares_the_last_page_of_stories() -> None:
    pages = _pdf_pages(render_pdf(render_html(make_briefing())))
    assert len(pages) == 1 and "About this edition" in pages[0]


def test_quotes_are_typographic_in_text_and_straight_in_urls() -> None:
    assert typographic_quotes("He said \"we don't want a war,\" in the '90s.") == (
        "He said “we don’t want a war,” in the ’90s."
    )
    assert typographic_quotes("('Hi') \"x\"") == "(‘Hi’) “x”"
    assert typographic_quotes('Er sagte "nein".', "de-AT") == "Er sagte „nein“."
    briefing = make_briefing()
    story = briefing.sections[0].stories[0]
    said = sentence('Officials said "repairs take a week" on Friday.', story.articles[0])
    url = 'https://coastal-herald.example/news/"quoted"'
    story = story.__class__(**{**_fields(story), "summary": (said, *story.summary[1:])})
    story = story.__class__(
        **{**_fields(story), "articles": (_with_url(story.articles[0], url), *story.articles[1:])}
    )
    sections = (Section("World", (story, *briefing.sections[0].stories[1:])),)
    page = render_html(make_briefing(sections=sections + briefing.sections[1:]))
    assert "Officials said “repairs take a week” on Friday." in page
    assert 'href="https://coastal-herald.example/news/&#34;quoted&#34;"' in page
    assert '"' not in re.sub(r"<[^>]*>", "", page.split("<body>")[1]).replace("&#34;", "")


def _fields(story: Story) -> dict[str, object]:
    return {name: getattr(story, name) for name in story.__slots__}  # type: ignore[attr-defined]


def _with_url(item: Article, url: str) -> Article:
    return item.__class__(**{**{n: getattr(item, n) for n in item.__slots__}, "url": url})  # type: ignore[attr-defined]


def test_a_story_of_one_outlet_has_no_source_marks() -> None:
    page = render_html(make_briefing()).split('id="stories"')[1]  # the cards, not the contents
    grid = page[page.index("Grid operator warns") : page.index("Rates held")]
    assert "2 GW of reserve capacity." in grid and "¹" not in grid
    harbour = page[page.index("harbour bridge was closed") : page.index("Grid operator warns")]
    assert harbour.count('class="marker"') == 3  # several outlets: each sentence says whose


def _article(source: str, minutes: int, text: str, title: str = "Talks in Geneva") -> Article:
    slug = source.lower().replace(" ", "-")
    return Article(
        id=f"{slug}-{minutes}",
        source=source,
        topic="World",
        url=f"https://{slug}.example/{minutes}",
        title=title,
        text=text,
        published=T0 + timedelta(minutes=minutes),
    )


def test_a_summary_opens_with_a_sentence_that_stands_alone() -> None:
    assert leans_back("According to the minister, Blinken sought to put Ukraine first.")
    assert leans_back("The minister said the talks had been useful and would go on.")
    assert not leans_back("Russian Foreign Minister Sergei Lavrov met Antony Blinken in Geneva.")
    # The earliest report (a page dated without a time sorts first) opens with the minister.
    early = _article(
        "Avrupa Times",
        -600,
        "According to the minister, Blinken sought to put Ukraine at the forefront of the talks "
        "in Geneva on Friday. Lavrov said the talks in Geneva were useful for both sides.",
    )
    later = _article(
        "Moscow Times",
        10,
        "Russian Foreign Minister Sergei Lavrov and Antony Blinken met in Geneva on Friday for "
        "talks on Ukraine. Lavrov said the talks in Geneva on Ukraine would go on next week.",
    )
    story = Story("geneva", "Talks in Geneva", "World", (early, later))
    summary = summarize_story(story, 100).summary
    assert len(summary) >= 2 and not leans_back(summary[0].text), summary


def test_two_sentences_giving_one_amount_are_not_both_chosen() -> None:
    first = "Home Depot earned $2.8 billion in the third quarter as shoppers kept spending."
    second = "The retailer earned $2.8 billion, or $2.53 per diluted share, beating forecasts."
    assert "#2.8billion" in phrases_of(first) & phrases_of(second)
    assert phrases_of("Sales rose 15 percent.") & phrases_of("Up 15% on the year.")
    settings = Settings()
    weights = {"home": 2.0, "depot": 2.0, "earn": 2.0, "billion": 2.0, "quarter": 1.0}
    candidates = [
        Candidate(
            first,
            0,
            0,
            frozenset({"home", "depot", "earn", "billion", "quarter"}),
            phrases_of(first),
            "A",
        ),
        Candidate(second, 1, 0, frozenset({"earn", "billion", "share"}), phrases_of(second), "B"),
    ]
    chosen = best_cover(candidates, weights, 60, settings)
    assert [c.text for c in chosen] == [first]
