"""Text that cannot hold the layout hostage: overlong fields cut, unbroken runs given break points.

WeasyPrint lays each line out from a short draft of the text that follows, and when that draft
holds no break opportunity it hands Pango the whole rest of the paragraph instead. A title of
30,000 characters without a space then costs the whole remainder for every line it fills: time
that grows with the square of its length (118 s at 30,000; at 100,000 the PDF passed its limit).

So before a template sees the briefing (`render_template`), every field a reader sees is cut, with
an ellipsis, to a length no real one reaches (a headline of 300 characters is no longer a
headline), and for HTML and PDF a run of more than RUN characters with no break opportunity gets
a zero-width space every BREAK_EVERY characters. Chinese, Japanese, Korean and the scripts of
South-East Asia are left as they are: Pango breaks them between characters (or words) already,
so they never make such a run. Text formats are cut only: they have no layout to protect, and an
invisible character would only spoil copying.

The same pass sets every such field's straight quotes curly, in the story's language (quotes.py):
here, on the records' text, a URL or a template's markup is never touched.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from functools import partial

from ..models import Article, Briefing, Filtered, Section, Story
from ..text.sentences import HAN, HANGUL, KANA
from .quotes import typographic_quotes

# Longest of each kind of field, in characters; far above any real one.
TITLE = 200  # the edition's title, a section's title
HEADLINE = 300  # a story's headline, an article's title, what a failure or a filter names
NAME = 120  # an outlet, an author, a topic
SENTENCE = 1_000  # one summary sentence
REASON = 500  # why a feed, an article or a story could not be used
URL = 2_000  # a URL shown as text (its link keeps the whole address)
TEXT = 2_000  # an article's text: only its opening is shown (as an untitled report's title)

RUN = 60  # the longest run without a break left alone: real words (German ones too) are shorter
BREAK_EVERY = 20  # well under the draft WeasyPrint lays out for a line of a narrow column
ZWSP = "\u200b"
ELLIPSIS = "…"

# Scripts Pango breaks inside a run by itself: CJK per character, Thai, Lao, Khmer, Myanmar by word.
_SELF_BREAKING = f"{HAN}{KANA}{HANGUL}\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff"
_UNBROKEN = re.compile(rf"[^\s{_SELF_BREAKING}{ZWSP}]{{{RUN + 1},}}")


def fit_text(text: str, limit: int, *, breaks: bool = True) -> str:
    """The text cut to `limit` characters (ending in an ellipsis, at a space when one is near),
    and, with `breaks`, a zero-width space every BREAK_EVERY characters of an overlong run."""
    if len(text) > limit:
        cut = text[: limit - 1]
        space = cut.rfind(" ", limit - RUN)
        text = (cut[:space] if space > 0 else cut).rstrip() + ELLIPSIS
    return _UNBROKEN.sub(_with_breaks, text) if breaks else text


def _shown(text: str, limit: int, *, breaks: bool, language: str = "") -> str:
    """A field as a reader sees it: its quotes typographic, then fitted (`fit_text`)."""
    return fit_text(typographic_quotes(text, language), limit, breaks=breaks)


def _with_breaks(match: re.Match[str]) -> str:
    run = match.group()
    return ZWSP.join(run[at : at + BREAK_EVERY] for at in range(0, len(run), BREAK_EVERY))


def fit_briefing(briefing: Briefing, *, breaks: bool = True) -> Briefing:
    """The briefing with every field a reader sees fitted (`fit_text`); URLs in links are kept."""
    fit = partial(_shown, breaks=breaks)
    return replace(
        briefing,
        title=fit(briefing.title, TITLE),
        sections=tuple(
            Section(fit(s.title, TITLE), tuple(_fit_story(story, breaks) for story in s.stories))
            for s in briefing.sections
        ),
        failures=tuple(
            replace(f, subject=fit(f.subject, HEADLINE), reason=fit(f.reason, REASON))
            for f in briefing.failures
        ),
        filtered=tuple(_fit_filtered(f, breaks) for f in briefing.filtered),
    )


def shown_url(url: object) -> str:
    """A URL as text: cut when overlong (a link keeps the whole address); CSS lets it break."""
    return fit_text(str(url), URL, breaks=False)


def _fit_story(story: Story, breaks: bool) -> Story:
    # The same function fits a name wherever it appears, so an outlet named in an article and
    # in a summary sentence still matches after fitting.
    fit = partial(_shown, breaks=breaks, language=_language(story))
    return replace(
        story,
        headline=fit(story.headline, HEADLINE),
        topic=fit(story.topic, NAME),
        articles=tuple(_fit_article(a, fit) for a in story.articles),
        summary=tuple(
            replace(s, text=fit(s.text, SENTENCE), source=fit(s.source, NAME))
            for s in story.summary
        ),
    )


def _language(story: Story) -> str:
    """The language tag all the story's articles declare, or ''."""
    tags = {a.language.strip() for a in story.articles}
    return tags.pop() if len(tags) == 1 else ""


def _fit_article(article: Article, fit: Callable[[str, int], str]) -> Article:
    return replace(
        article,
        title=fit(article.title, HEADLINE),
        text=fit(article.text, TEXT),
        source=fit(article.source, NAME),
        author=fit(article.author, NAME),
        site_name=fit(article.site_name, NAME),
    )


def _fit_filtered(item: Filtered, breaks: bool) -> Filtered:
    fit = partial(_shown, breaks=breaks)
    return replace(
        item,
        subject=fit(item.subject, HEADLINE),
        reason=fit(item.reason, REASON),
        source=fit(item.source, NAME),
    )
