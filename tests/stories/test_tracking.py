"""How alike a day's story and a past story read, as `continuity` links them: the cosine of
their mean vectors, so a past story told in many different ways is not held to a higher bar."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np

from briefing.models import Article, PastStory
from briefing.stories.continuity import LINK_THRESHOLD, _by_similarity, match_previous
from briefing.stories.story import make_story
from briefing.stories.vectors import article_space

# Four reports of one flood, each on another side of it: their average similarity is low.
FACETS = (
    "Floodwater from the Elbe river covered the old town of Dresden on Monday after days of "
    "rain, and the army moved sandbags to the Zwinger palace.",
    "Czech authorities evacuated 19,000 people from Prague's riverside districts as the Vltava "
    "rose past its 2002 mark; the metro was shut.",
    "Insurers put the cost of the Central European floods at 12 billion euros, Munich Re said, "
    "above the damage of the 2002 disaster.",
    "Chancellor Angela Merkel visited Passau, where the Danube and the Inn met at a record "
    "12.89 metres, and promised 100 million euros of aid.",
)
SUMMARY = (
    "Central European floods: the Elbe in Dresden, the Vltava in Prague, the Danube at Passau "
    "visited by Angela Merkel; Munich Re puts the cost at 12 billion euros, above 2002."
)
DAY = date(2024, 6, 3)


def report(aid: str, text: str, day: int) -> Article:
    return Article(
        id=aid,
        source=f"outlet-{aid}",
        topic="World",
        url=f"https://example.org/{aid}",
        title=text.split(",")[0],
        text=text,
        published=datetime(2024, 6, day, 9, tzinfo=UTC),
    )


def test_a_story_told_again_in_the_same_words_reads_as_the_same_however_varied() -> None:
    past_reports = [report(f"p{i}", text, 3) for i, text in enumerate(FACETS)]
    today = [report(f"t{i}", text, 4) for i, text in enumerate(FACETS)]
    everything = today + past_reports
    space = article_space(everything)
    rows = {a.id: i for i, a in enumerate(everything)}
    past = PastStory("flood", "Floods", DAY, tuple(past_reports))
    (score,) = _by_similarity([make_story(today)], [past], space, rows, 0.0).values()
    assert score > 0.999


def test_a_widely_told_past_story_is_continued_by_a_report_that_sums_it_up() -> None:
    past_reports = [report(f"p{i}", text, 3) for i, text in enumerate(FACETS)]
    today = [report("t", SUMMARY, 4)]
    everything = today + past_reports
    space = article_space(everything)
    rows = {a.id: i for i, a in enumerate(everything)}
    past = PastStory("flood", "Floods", DAY, tuple(past_reports))
    together = np.zeros(len(everything), dtype=np.int64)  # one story when clustered as one day
    links = match_previous([make_story(today)], [past], space, rows, LINK_THRESHOLD, together)
    assert links.continues == {0: 0}
