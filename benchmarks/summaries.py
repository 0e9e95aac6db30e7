"""Summaries of the ECB+ events at 60 words: ours beside the baselines a user would reach for.

Usage: python benchmarks/summaries.py [--words N] [--quick] [--json PATH]

Each event of ../shared/eval/clustering/units.jsonl becomes a Story of its articles and is
summarised by every system in this script:
- briefing: summarize_story, with settings chosen on one half of the events and scored on the
  other (the halves are the even and odd topics, so an event and its look-alike stay together);
- lead of centroid: the first sentences of the article closest to the TF-IDF centroid, whole
  sentences within the budget; and the recipe behind the published 0.690, that article's
  headline and text cut at exactly the budget, mid-sentence;
- sumy's LexRank and TextRank: ranked sentences taken best first while they fit, shown in text
  order. sumy's own Tokenizer needs NLTK's punkt data, which cannot be downloaded here, so sumy
  is given a tokenizer of ours (sentencex for sentences, a word regex for words); its English
  stemmer and stop words are its own.

Figures (means over events): weighted and specific coverage of the human-annotated content units
as ../shared/eval/README.md defines them; the Jensen-Shannon divergence (base 2, 0 to 1, lower
is better) between the summary's and the story's distributions of content words (lowercased
\\w+ tokens less English stop words); the share of summary sentences that are bad, judged by the
rules in `bad` below, which are written here and not taken from briefing; mean summary words.
Beside them, the oracle over briefing's own candidates: what the best choice among them would
cover, the units known, so that a shortfall can be put on the pool or on the choice. Written to
benchmarks/results/summaries.json (summaries_N_words.json for another budget), with the load
average at the start beside the CPU times.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any, TypedDict

import numpy as np
from sentencex import segment
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

from briefing.compose.summarize import Settings, summarize_story
from briefing.models import Article, Story
from briefing.stories.headline import clean_title, story_headline

sys.path.insert(0, str(Path(__file__).parent))
from ecb import SHARED, load_documents, to_article  # noqa: E402
from record import machine, results_path, write_results  # noqa: E402

DATA = SHARED / "eval" / "clustering"
PUBLISHED = {
    "lead of centroid": (0.690, 0.410),
    "LexRank": (0.685, 0.420),
    "TextRank": (0.620, 0.385),
    "oracle": (0.889, 0.582),
}
# The settings tried; each half's best (by weighted + specific) is scored on the other. Word
# pairs as concepts (kind "both"), no outlet bonus and a lead bonus of 3 were measured too and
# left out: each loses the seeds' point (the Geneva story at 60 words no longer says "next
# week", or draws on one outlet), so they could not ship.
GRID: dict[str, list[Any]] = {
    "decay": [0.75, 1.0],
    "position_bonus": [1.0, 2.0],
}
Summarizer = Callable[[list[Article], int], list[str]]


class Unit(TypedDict):
    """A content unit of units.jsonl: its weight, the forms that cover it, the specific ones."""

    weight: int
    forms: list[str]
    specific: list[str]


class Event(TypedDict):
    """One line of units.jsonl: an event's content units."""

    event_cluster: str
    units: list[Unit]


class Row(TypedDict):
    """One system's summary of one event, scored."""

    event: str
    weighted: float
    specific: float
    jsd: float
    sentences: int
    bad: int
    words: int
    cpu: float


# --- metrics ----------------------------------------------------------------------------------


def tokens(text: str) -> list[str]:
    """Lowercased \\w+ tokens, as the units' forms are written."""
    return re.findall(r"\w+", text.lower())


def contains(haystack: list[str], form: str) -> bool:
    """Whether the token list holds the form's tokens contiguously."""
    needle = form.split()
    n = len(needle)
    return n > 0 and any(haystack[i : i + n] == needle for i in range(len(haystack) - n + 1))


def coverage(summary: str, units: list[Unit]) -> tuple[float, float]:
    """Weighted and specific coverage of one summary (../shared/eval/README.md)."""
    words = tokens(summary)
    total = sum(u["weight"] for u in units)
    covered = sum(u["weight"] for u in units if any(contains(words, f) for f in u["forms"]))
    specific = sum(u["weight"] for u in units if any(contains(words, f) for f in u["specific"]))
    specific_total = sum(u["weight"] for u in units if u["specific"])
    return covered / total, specific / specific_total if specific_total else 0.0


def divergence(summary: str, story: str) -> float:
    """Jensen-Shannon divergence (base 2) of the two texts' content-word distributions."""
    p, q = (Counter(t for t in tokens(x) if t not in ENGLISH_STOP_WORDS) for x in (summary, story))
    vocabulary = sorted(set(p) | set(q))
    a = np.array([p[w] for w in vocabulary], dtype=float)
    b = np.array([q[w] for w in vocabulary], dtype=float)
    if not a.sum() or not b.sum():
        return 1.0
    a, b = a / a.sum(), b / b.sum()
    m = (a + b) / 2

    def kl(x: np.ndarray) -> float:
        mask = x > 0
        return float(np.sum(x[mask] * np.log2(x[mask] / m[mask])))

    return (kl(a) + kl(b)) / 2


_SAYS = re.compile(
    r"\b(said|says|say|told|tells|added|asked|stated|noted|wrote|according|explained|"
    r"stressed|warned|declared|insisted|announced|replied|claimed|quoted)\b",
    re.IGNORECASE,
)


def bad(sentence: str) -> str:
    """Why a summary sentence is bad ('' if it is not): fragment, question or unattributed quote.

    A fragment has fewer than five words, does not close with a full stop or exclamation mark,
    or opens in lowercase. A question closes with '?'. A quote without a speaker has an odd
    number of double quotes, or quoted words and no verb of saying outside them.
    """
    text = sentence.strip()
    core = text.rstrip("\"”’')] ")
    if core.endswith("?"):
        return "question"
    if (
        len(text.split()) < 5
        or not core.endswith((".", "!"))
        or not text[0].isupper()
        and (text[0] not in "\"“‘'")
    ):
        return "fragment"
    quotes = len(re.findall(r"[\"“”]", text))
    outside = re.sub(r"[\"“][^\"“”]*[\"”]", " ", text)
    if quotes % 2 or quotes and not _SAYS.search(outside):
        return "quote without speaker"
    return ""


# --- the systems ------------------------------------------------------------------------------


def ours(settings: Settings) -> Summarizer:
    """briefing's summarizer with these settings."""

    def run(articles: list[Article], words: int) -> list[str]:
        story = summarize_story(Story("x", "", "news", tuple(articles)), words, settings)
        return [s.text for s in story.summary]

    return run


def _sentences(text: str) -> list[str]:
    """sentencex's sentences, line by line."""
    return [s.strip() for line in text.splitlines() for s in segment("en", line) if s.strip()]


def _centroid_article(articles: list[Article]) -> Article:
    """The article closest to the TF-IDF centroid of all the story's articles."""
    vectorizer = TfidfVectorizer(sublinear_tf=True, stop_words="english")
    vectors = vectorizer.fit_transform(f"{a.title}\n{a.text}" for a in articles)
    centroid = np.asarray(vectors.mean(axis=0)).ravel()
    return articles[int(np.argmax(vectors @ centroid))]


def _fit(sentences: list[str], words: int) -> list[str]:
    """The sentences, in the order given, that fit in the budget (a long one is skipped)."""
    chosen, used = [], 0
    for sentence in sentences:
        size = len(sentence.split())
        if used + size <= words:
            chosen.append(sentence)
            used += size
    return chosen


def lead_sentences(articles: list[Article], words: int) -> list[str]:
    """Baseline: the opening whole sentences of the article nearest the centroid."""
    return _fit(_sentences(_centroid_article(articles).text), words)


def lead_cut(articles: list[Article], words: int) -> list[str]:
    """Baseline, the published recipe: that article's headline and text, cut at `words` words."""
    best = _centroid_article(articles)
    return [" ".join(f"{best.title}\n{best.text}".split()[:words])]


class SentencexTokenizer:
    """The tokenizer sumy is given: sentencex sentences and \\w+ words (no NLTK data needed)."""

    language = "english"

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        return tuple(_sentences(paragraph))

    def to_words(self, sentence: str) -> tuple[str, ...]:
        return tuple(re.findall(r"\w+(?:['’]\w+)?", sentence))


def sumy_system(name: str) -> Summarizer:
    """sumy's LexRank or TextRank, best-ranked sentences taken while they fit the budget."""
    from sumy.nlp.stemmers import Stemmer
    from sumy.parsers.plaintext import PlaintextParser
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.summarizers.text_rank import TextRankSummarizer
    from sumy.utils import get_stop_words

    kind = {"lexrank": LexRankSummarizer, "textrank": TextRankSummarizer}[name]
    summarizer = kind(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    tokenizer = SentencexTokenizer()

    def run(articles: list[Article], words: int) -> list[str]:
        # Every line its own paragraph, so no sentence spans two of them or two articles.
        text = "\n\n".join(line for a in articles for line in a.text.splitlines() if line.strip())
        document = PlaintextParser.from_string(text, tokenizer).document

        def within_budget(ranked: list[Any]) -> list[Any]:
            used, kept = 0, []
            for info in ranked:
                size = len(str(info.sentence).split())
                if used + size <= words:
                    kept.append(info)
                    used += size
            return kept

        return [str(s) for s in summarizer(document, within_budget)]

    return run


def headlines(events: list[tuple[Event, list[Article]]]) -> dict[str, dict[str, float]]:
    """Unit coverage of the headline alone: story_headline beside the centroid's title."""
    systems: dict[str, Callable[[list[Article]], str]] = {
        "briefing's story_headline": story_headline,
        "title nearest the centroid, cleaned": lambda a: clean_title(_centroid_article(a).title),
    }
    result: dict[str, dict[str, float]] = {}
    for name, pick in systems.items():
        scores = [coverage(pick(articles), event["units"]) for event, articles in events]
        words = [len(pick(articles).split()) for _, articles in events]
        result[name] = {
            "weighted": float(np.mean([w for w, _ in scores])),
            "specific": float(np.mean([s for _, s in scores])),
            "words": float(np.mean(words)),
        }
    return result


# --- running ----------------------------------------------------------------------------------


def load(data: Path) -> list[tuple[Event, list[Article]]]:
    """Each event's units with its articles."""
    by_event: defaultdict[str, list[Article]] = defaultdict(list)
    for doc in load_documents(data / "documents.jsonl"):
        by_event[doc["event_cluster"]].append(to_article(doc))
    with (data / "units.jsonl").open(encoding="utf-8") as handle:
        events = [json.loads(line) for line in handle if line.strip()]
    return [(event, by_event[event["event_cluster"]]) for event in events]


def score(system: Summarizer, events: list[tuple[Event, list[Article]]], words: int) -> list[Row]:
    """One row per event: coverage, divergence, bad sentences, words and CPU seconds."""
    rows: list[Row] = []
    for event, articles in events:
        started = time.process_time()
        sentences = system(articles, words)
        seconds = time.process_time() - started
        text = " ".join(sentences)
        weighted, specific = coverage(text, event["units"])
        story_text = "\n".join(a.text for a in articles)
        rows.append(
            {
                "event": event["event_cluster"],
                "weighted": weighted,
                "specific": specific,
                "jsd": divergence(text, story_text),
                "sentences": len(sentences),
                "bad": sum(1 for s in sentences if bad(s)),
                "words": len(text.split()),
                "cpu": seconds,
            }
        )
    return rows


def summary(rows: list[Row]) -> dict[str, float]:
    """Means over events; the bad share is over all sentences."""
    return {
        "weighted": float(np.mean([r["weighted"] for r in rows])),
        "specific": float(np.mean([r["specific"] for r in rows])),
        "jsd": float(np.mean([r["jsd"] for r in rows])),
        "bad_share": sum(r["bad"] for r in rows) / max(1, sum(r["sentences"] for r in rows)),
        "words": float(np.mean([r["words"] for r in rows])),
        "cpu_per_story": float(np.mean([r["cpu"] for r in rows])),
    }


def fold_of(event: Event) -> int:
    """0 for even topics, 1 for odd: both events of a topic fall in the same half."""
    return int(event["event_cluster"].split("_")[0]) % 2


def grid() -> list[Settings]:
    """Every combination of the GRID's values."""
    keys = list(GRID)
    return [
        Settings(**dict(zip(keys, values, strict=True)))
        for values in itertools.product(*GRID.values())
    ]


def cross_validate(
    events: list[tuple[Event, list[Article]]], words: int, quick: bool
) -> dict[str, object]:
    """Settings chosen on each half, scored on the other; rows of all events, held out."""
    candidates = [Settings()] if quick else grid()
    per_setting = [score(ours(s), events, words) for s in candidates]
    held_out: list[Row] = []
    folds: list[dict[str, object]] = []
    for fold in (0, 1):

        def fit(rows: list[Row], half: int = fold) -> float:
            chosen = [r for r, (e, _) in zip(rows, events, strict=True) if fold_of(e) == half]
            return float(np.mean([r["weighted"] + r["specific"] for r in chosen]))

        best = max(range(len(candidates)), key=lambda i: fit(per_setting[i]))
        test = [
            r for r, (e, _) in zip(per_setting[best], events, strict=True) if fold_of(e) != fold
        ]
        held_out.extend(test)
        folds.append({"chosen_on": fold, "settings": asdict(candidates[best]), **summary(test)})
    default = per_setting[candidates.index(Settings())] if Settings() in candidates else None
    return {
        "held_out": summary(held_out),
        "folds": folds,
        "default": summary(default or score(ours(Settings()), events, words)),
        "grid": [
            {"settings": asdict(s), **summary(rows)}
            for s, rows in zip(candidates, per_setting, strict=True)
        ],
    }


def main(argv: list[str] | None = None) -> int:
    """Run every system on every event; print the table and optionally save it as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=60)
    parser.add_argument("--quick", action="store_true", help="default settings only, no grid")
    parser.add_argument("--json", type=Path, help="write the results here, not to results/")
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args(argv)
    if not (args.data / "units.jsonl").exists():
        print(f"skipped: {args.data / 'units.jsonl'} not found")
        return 0
    events = load(args.data)
    result: dict[str, Any] = {
        **machine(),
        "words": args.words,
        "events": len(events),
        "briefing": {},
    }
    result["briefing"] = cross_validate(events, args.words, args.quick)
    baselines = {
        "lead of centroid, whole sentences": lead_sentences,
        "lead of centroid, headline + text cut at the budget": lead_cut,
        "sumy LexRank": sumy_system("lexrank"),
        "sumy TextRank": sumy_system("textrank"),
    }
    result["baselines"] = {
        name: summary(score(f, events, args.words)) for name, f in baselines.items()
    }
    result["headlines"] = headlines(events)
    from summary_oracle import candidate_oracle  # it uses this script's metrics

    result["candidate_oracle"] = candidate_oracle(events, args.words)
    result["published"] = {
        name: {"weighted": w, "specific": s} for name, (w, s) in PUBLISHED.items()
    }
    print_table(result)
    words = argparse.Namespace(words=None if args.words == 60 else args.words)
    write_results(args.json or results_path("summaries" + "_quick" * args.quick, words), result)
    return 0


def print_table(result: dict[str, Any]) -> None:
    """The figures, one system a line."""
    ours_result = result["briefing"]
    print(f"{result['events']} events, {result['words']}-word summaries")
    header = f"{'system':<58} {'weighted':>8} {'specific':>8} {'JSD':>6} {'bad':>6} {'words':>6}"
    print(header)

    def line(name: str, f: Mapping[str, object]) -> None:
        print(
            f"{name:<58} {f['weighted']:8.3f} {f['specific']:8.3f} {f['jsd']:6.3f} "
            f"{f['bad_share']:6.1%} {f['words']:6.1f}"
        )

    line("briefing, held out (settings chosen on the other half)", ours_result["held_out"])
    for fold in ours_result["folds"]:
        half = "odd" if fold["chosen_on"] else "even"
        line(f"  scored on the {'even' if half == 'odd' else 'odd'} topics", fold)
    line("briefing, default settings, all events", ours_result["default"])
    for name, figures in result["baselines"].items():
        line(name, figures)
    for name, (w, s) in PUBLISHED.items():
        print(f"{name + ' (published)':<58} {w:8.3f} {s:8.3f}")
    best = result["candidate_oracle"]
    name = "oracle over briefing's own candidates (units known)"
    print(f"{name:<58} {best['weighted']:8.3f} {best['specific']:8.3f}")
    for fold in ours_result["folds"]:
        print(f"chosen on the {'odd' if fold['chosen_on'] else 'even'} topics: {fold['settings']}")
    print(f"briefing CPU per story: {ours_result['default']['cpu_per_story'] * 1000:.0f} ms")
    print("Headlines alone (unit coverage of the title chosen for each event):")
    for name, f in result["headlines"].items():
        print(f"{name:<58} {f['weighted']:8.3f} {f['specific']:8.3f} {'':>13} {f['words']:6.1f}")


if __name__ == "__main__":
    sys.exit(main())
