"""Appeals removed in a language the model never read: each thin language of the corpus held out.

    python benchmarks/appeals_languages.py [--json PATH]

The corpus of benchmarks/data/appeals/ holds most of its appeals in German and English and a
few dozen in each other language, so a new outlet in French or Portuguese is often one whose
wording no training page shares. Here each language with fewer than THIN appeal paragraphs (and
at least MIN) is held out whole: benchmarks/train_appeals.py's whole training runs on every
other language's pages (its own thresholds included), and the held-out language's page bodies
and article texts are scored with it, on the labelled paragraphs, without trafilatura and
without the phrase rules. It runs three ways in one run: the model as shipped, the model with
the shared appeal-word feature (`APPEAL_STEMS`) switched off (the model before it), and the
second pass's phrase rules alone, which need no training. Writes
benchmarks/results/appeals_languages.json.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import train_appeals  # noqa: E402
from record import RESULTS, write_results  # noqa: E402
from train_appeals import (  # noqa: E402
    Features,
    Page,
    article_text,
    body,
    corpus_files,
    read_corpus,
    step_probabilities,
    trained_model,
)

from briefing.extract import appeals  # noqa: E402
from briefing.extract.appeals import AppealModel, appeal_flags  # noqa: E402
from briefing.extract.boilerplate import PageHints, resolve_reasons, rule_matches  # noqa: E402

THIN = 200  # appeal paragraphs: German and English hold over 800 each, the rest under 100
MIN = 5  # fewer say nothing


@contextmanager
def without_appeal_word() -> Iterator[None]:
    """No word begins as an appeal stem, as before the feature: analysis and scoring alike."""
    stems = appeals._APPEAL_STEM
    appeals._APPEAL_STEM = re.compile(r"(?!)")  # matches nothing
    train_appeals.FEATURES = Features()  # rows analyzed with the feature are not reused
    try:
        yield
    finally:
        appeals._APPEAL_STEM = stems
        train_appeals.FEATURES = Features()


def held_out_languages(bodies: Sequence[Page]) -> list[str]:
    """The languages with MIN to THIN appeal paragraphs, most appeals first."""
    counts = Counter(b.language for b in bodies for label in b.labels if label == "appeal")
    return [lang for lang, n in counts.most_common() if MIN <= n < THIN and lang]


def tally(pages: Sequence[Page], flags: Sequence[Sequence[bool]]) -> dict[str, float]:
    """Appeal paragraphs removed and article words kept, given which paragraphs go."""
    appeal_count = caught = words = lost = 0
    for page, page_flags in zip(pages, flags, strict=True):
        for text, label, flag in zip(page.paragraphs, page.labels, page_flags, strict=True):
            if label == "appeal":
                appeal_count += 1
                caught += flag
            elif label == "article":
                words += len(text.split())
                lost += len(text.split()) if flag else 0
    return {
        "appeal_paragraphs": appeal_count,
        "appeals_removed": round(caught / max(appeal_count, 1), 4),
        "article_words_kept": round(1 - lost / max(words, 1), 5),
    }


def model_flags(model: AppealModel, page: Page) -> list[bool]:
    """The paragraphs the model removes, at its own thresholds."""
    linear, box = step_probabilities(model, model.text_scores(page.paragraphs), page.paragraphs)
    return appeal_flags(model, linear, box)


def rule_flags(page: Page) -> list[bool]:
    """The paragraphs the second pass's phrase rules remove, the model aside."""
    matches = rule_matches(page.paragraphs, PageHints())
    return [reason is not None for reason in resolve_reasons(page.paragraphs, matches)]


def leave_one_out(bodies: Sequence[Page], language: str) -> dict[str, dict[str, float]]:
    """The held-out language's figures, bodies and article texts, from a model of the rest."""
    model = trained_model([b for b in bodies if b.language != language])
    held = [b for b in bodies if b.language == language]
    return {
        form: tally(pages, [model_flags(model, p) for p in pages])
        for form, pages in (("bodies", held), ("article texts", [article_text(b) for b in held]))
    }


def rules_alone(bodies: Sequence[Page], language: str) -> dict[str, dict[str, float]]:
    """The same figures for the phrase rules, which no language was held out of."""
    held = [b for b in bodies if b.language == language]
    return {
        form: tally(pages, [rule_flags(p) for p in pages])
        for form, pages in (("bodies", held), ("article texts", [article_text(b) for b in held]))
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--json", type=Path, default=RESULTS / "appeals_languages.json")
    args = parser.parse_args(argv)
    files = corpus_files()
    if not files:
        print("skipped: no appeal corpus in benchmarks/data/appeals")
        return 0
    bodies = [body(p) for p in read_corpus(files)]
    languages = held_out_languages(bodies)
    out: dict[str, dict[str, dict[str, dict[str, float]]]] = {}
    for way in ("shipped", "without the appeal word", "rules alone"):
        out[way] = {}
        for language in languages:
            if way == "rules alone":
                result = rules_alone(bodies, language)
            else:
                with nullcontext() if way == "shipped" else without_appeal_word():
                    result = leave_one_out(bodies, language)
            out[way][language] = result
            print(
                f"{way:<24} {language}  "
                + "  ".join(
                    f"{form} {r['appeals_removed']:.3f} of {r['appeal_paragraphs']}"
                    f" (kept {r['article_words_kept']:.4f})"
                    for form, r in result.items()
                ),
                flush=True,
            )
    write_results(args.json, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
