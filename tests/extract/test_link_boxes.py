"""Links grouped inside a paragraph (a hover card, a "related" box) go before trafilatura."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from trafilatura.utils import load_html

from briefing.cli import main
from briefing.extract.page import OPTIONS, Options, drop_link_boxes, extract_page, run_trafilatura

# The Hill's markup, shortened: a politician's name in the sentence opens a card of his stories.
CARD = (
    '<p><span style="font-weight: 400;">A New York man pleaded guilty to charges he threatened to'
    ' kill Rep. <span class="rollover-people"><a href="/people/ilhan-omar">Ilhan Omar</a>'
    '<span class="rollover-people-block"><span class="rollover-block"><span>'
    '<img src="/omar.jpg" alt=""><a class="name" href="/people/ilhan-omar">Ilhan Omar</a>'
    '<a href="/471175-hillicon-valley">Hillicon Valley: Progressives oppose funding bill over'
    " surveillance authority</a> "
    '<a href="/471161-progressives-oppose">Progressives oppose spending stopgap measure over'
    " surveillance authority extension</a> "
    '<a href="/471124-omar-asks-court">Omar asks court to apply system of compassion in sentencing'
    ' man convicted of threatening her</a> <a class="more" href="/people/ilhan-omar">MORE</a>'
    "</span></span></span></span> (D-Minn.), the U.S. Attorney's Office for the Western District"
    ' of New York </span><a href="https://www.justice.gov/usao-wdny">announced</a>'
    "<span> Monday.</span></p>"
)
STORY = "".join(
    f"<p>Paragraph {i} of the report: Patrick Carlineo Jr., 55, could face up to 10 years in"
    " prison and have to pay $250,000 after pleading guilty, prosecutors said.</p>"
    for i in range(4)
)
# Prose whose links are its own words: three links, but most of the text is the sentence's.
PROSE = (
    "<p><span>The council <a href='/budget'>approved the budget</a> after a long debate, with"
    " <a href='/mayor'>the mayor</a> and <a href='/treasurer'>the treasurer</a> arguing over the"
    " bridge repairs that the city has postponed twice since the spring floods.</span></p>"
)


def page(body: str) -> str:
    return (
        f"<html><head><title>A report</title></head><body><article>{body}</article></body></html>"
    )


def text_of(html: str, options: Options = OPTIONS) -> str:
    return " ".join(str(run_trafilatura(html, "http://127.0.0.1/a", False, options).text).split())


def test_a_hover_card_inside_a_sentence_goes_and_the_sentence_stays() -> None:
    html = page(CARD + STORY)
    # trafilatura alone reads the card's headlines as part of the sentence.
    assert "Hillicon Valley" in text_of(html, Options(link_boxes=False))
    assert OPTIONS.link_boxes
    text = " ".join(extract_page(html, "http://127.0.0.1/a", with_date=False).paragraphs)
    assert "Hillicon Valley" not in text and "MORE" not in text
    assert "threatened to kill Rep. Ilhan Omar (D-Minn.), the U.S. Attorney's Office" in text
    assert "announced Monday." in text and "Paragraph 3 of the report" in text


def test_a_related_box_set_inside_a_paragraph_goes() -> None:
    related = (
        "<p>The reform was debated for a year before the vote. <span class='box'>Zum Thema: "
        "<a href='/1'>Umfrage in Deutschland: Gendersprache stösst auf Ablehnung</a> "
        "<a href='/2'>Zwischen ABC und Genderstern: Antisemitismus in der deutschen Sprache</a> "
        "<a href='/3'>Linguist Peter Eisenberg: Genderwahn verwüstet die Sprache</a></span></p>"
    )
    tree = load_html(page(related + STORY))
    assert drop_link_boxes(tree) == 1
    paragraph = " ".join(tree.xpath("//article/p[1]")[0].text_content().split())
    assert paragraph == "The reform was debated for a year before the vote."


def test_prose_with_links_and_lists_of_links_outside_paragraphs_stay() -> None:
    menu = "<ul>" + "".join(f"<li><a href='/{i}'>Section {i}</a></li>" for i in range(5)) + "</ul>"
    links_alone = (
        "<p><a href='/a'>First story</a> <a href='/b'>Second</a> <a href='/c'>Third</a></p>"
    )
    tree = load_html(page(PROSE + menu + links_alone + STORY))
    assert drop_link_boxes(tree) == 0  # a paragraph that is only links is trafilatura's to judge
    assert "the treasurer arguing over the bridge repairs" in text_of(page(PROSE + STORY))


def test_a_deep_nesting_of_links_gives_its_innermost_box_once() -> None:
    # Each level's sums come from the level below: read again at every level of a deep nesting,
    # a page's text would cost its length times its depth (docs/measurements.md).
    links = "".join(f"<a href='/{i}'>story number {i}</a> " for i in range(2_000))
    html = page(f"<p>Before. {'<span>' * 200}{links}{'</span>' * 200} After.</p>{STORY}")
    tree = load_html(html)
    assert drop_link_boxes(tree) == 1
    paragraph = tree.xpath("//article/p[1]")[0]
    assert not paragraph.xpath(".//a") and len(paragraph.xpath(".//span")) == 199
    assert " ".join(paragraph.text_content().split()) == "Before. After."


def test_explain_names_what_went_before_trafilatura_read_the_page(tmp_path: Path) -> None:
    hidden = "<div style='display:none'><p>Hidden teaser about another matter entirely.</p></div>"
    saved = tmp_path / "report.html"
    saved.write_text(page(CARD + STORY + hidden), encoding="utf-8")
    result = CliRunner().invoke(main, ["extract", str(saved), "--explain"])
    assert result.exit_code == 0, result.output
    account = result.output.split("--- not in the text: ", 1)[1]
    before = account.split("before trafilatura (2):\n", 1)[1].splitlines()
    assert before[0].startswith("  [hidden by the page") and "Hidden teaser" in before[0]
    assert before[1].startswith("  [links grouped inside a paragraph")
    assert before[1].endswith(
        "Hillicon Valley: Progressives oppose funding bill over"
        " surveillance authority Progressives oppose spending stopgap"
        " measure over surveillance authority extension Omar asks court to"
        " apply system of compassion in sentencing man convicted of"
        " threatening her MORE"
    )
    # The sentence around the card reached the text, so it is not listed as a drop.
    assert "(D-Minn.)" not in account and "\ntrafilatura (" not in account
