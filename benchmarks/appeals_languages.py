"""Appeals removed in a language the model never read: each thin language of the corpus held out.

    python benchmarks/appeals_languages.py [--json PATH]

The corpus of benchmarks/data/appeals/ holds most of its appeals in German and English and a
few dozen in each other language, so a new outlet in French or Portuguese is often one whose
wording no training page shares. Here each language with fewer than THIN appeal paragraphs (and
at least MIN) is held out whole: benchmarks/train_appeals.py's whole training runs on every
other language's pages (its own thresholds included), and the held-out language's page bodies
and article texts are scored with it, on the labelled paragraphs, without trafilatura and
without the phrase rules. It runs twice in one run: as shipped, and with the shared
appeal-word feature (`APPEAL_STEMS`) switched off, the model before it. Writes
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
    article_words,
    body,
    corpus_files,
    read_corpus,
    removal_outcome,
    step_probabilities,
    trained_model,
)

from briefing.extract import appeals  # noqa: E402
from briefing.extract.appeals import AppealModel  # noqa: E402

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


def scored(model: AppealModel, pages: Sequence[Page]) -> dict[str, float]:
    """Appeal paragraphs removed and article words kept on these pages, at the model's own
    thresholds."""
    both = [step_probabilities(model, model.text_scores(p.paragraphs), p.paragraphs) for p in pages]
    linear, box = [x for x, _ in both], [y for _, y in both]
    caught, lost = removal_outcome(pages, linear, model.sure, model.likely, box)
    appeal_count = sum(label == "appeal" for p in pages for label in p.labels)
    return {
        "appeal_paragraphs": appeal_count,
        "appeals_removed": round(caught / appeal_count, 4),
        "article_words_kept": round(1 - lost / max(article_words(pages), 1), 5),
    }


def leave_one_out(bodies: Sequence[Page], language: str) -> dict[str, dict[str, float]]:
    """The held-out language's figures, bodies and article texts, from a model of the rest."""
    model = trained_model([b for b in bodies if b.language != language])
    held = [b for b in bodies if b.language == language]
    texts = [article_text(b) for b in held]
    return {"bodies": scored(model, held), "article texts": scored(model, texts)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--json", type=Path, default=RESULTS / "appeals_languages.json")
    args = parser.parse_args(argv)
    files = corpus_files()
    if not files:
        print("skipped: no appeal corpus in benchmarks/data/appeals")
        return 0
    bodies = [body(p) for p in read_corpus(files)]
    out: dict[str, dict[str, dict[str, dict[str, float]]]] = {}
    for way in ("shipped", "without the appeal word"):
        out[way] = {}
        for language in held_out_languages(bodies):
            with nullcontext() if way == "shipped" else without_appeal_word():
                result = out[way][language] = leave_one_out(bodies, language)
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
