"""The learned appeal model: the same scores as scikit-learn's, the same bytes on retraining,
appeals the rules miss removed, reports about fundraisers and quoted appeals kept whole."""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from briefing.cli import main
from briefing.demo import SITE
from briefing.extract import strip_boilerplate
from briefing.extract.appeals import (
    APPEAL_WORD,
    MAX_WORDS,
    MODEL_PATH,
    RUN,
    AppealModel,
    analyze,
    appeal_flags,
    appeal_reasons,
    context_features,
    current_model,
    forest_from_json,
    installed,
    is_appeal_word,
    model_from_json,
    words_of,
)

from ..conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import train_appeals  # noqa: E402

MAX_MODEL_BYTES = 5_000_000


def sample(outlets: int = 6) -> list[train_appeals.Page]:
    """The bodies of the corpus's first outlets' pages, a few seconds' training."""
    files = train_appeals.corpus_files()
    if not files:
        pytest.skip("no appeal corpus in benchmarks/data/appeals")
    pages = train_appeals.read_corpus(files)
    keep = sorted({p.outlet for p in pages})[:outlets]
    return [train_appeals.body(p) for p in pages if p.outlet in keep]


def test_the_package_scores_paragraphs_as_scikit_learn_does() -> None:
    pages = sample()
    table = train_appeals.train(pages)
    c = float(table["settings"]["C"])  # type: ignore[index]
    _, model, x = train_appeals.fit_text_model(pages, c)
    expected = model.decision_function(x)
    weights, bias = train_appeals.fit_text(pages, c)
    assert weights[APPEAL_WORD] > 0  # the shared appeal-word feature is scored too
    got = [s for page in train_appeals.text_scores(weights, bias, pages) for s in page]
    assert len(got) == len(expected) > 100
    assert max(abs(a - b) for a, b in zip(got, expected, strict=True)) < 1e-9
    # and from the JSON table, its weights cut to six significant digits
    shipped = model_from_json(table)
    rounded = [s for p in pages for s in shipped.text_scores(p.paragraphs)]
    assert max(abs(a - b) for a, b in zip(rounded, expected, strict=True)) < 1e-3


def test_the_package_reads_the_appeal_box_trees_as_scikit_learn_does() -> None:
    pages = sample()
    scores = train_appeals.out_of_fold(pages, 4.0)
    trees = train_appeals.fit_box_model(pages, scores)
    rows = [
        r for p, s in zip(pages, scores, strict=True) for r in context_features(s, p.paragraphs)
    ]
    expected = trees.predict_proba(np.array(rows, dtype=np.float32))[:, 1]
    box = forest_from_json(train_appeals.forest_table(trees))
    got = AppealModel({}, 0.0, (), 0.0, 1.0, 1.0, box=box).box_probabilities(rows)
    assert len(got) == len(expected) > 100 and len(set(got)) > 20
    assert max(abs(a - b) for a, b in zip(got, expected, strict=True)) < 1e-12
    assert box.depth == 3


@pytest.mark.parametrize(
    "paragraph",
    [
        " ".join(f"Word{i} of 2024," for i in range(100)),  # the head holds enough words
        " ".join(["Donaudampfschifffahrtsgesellschaftskapitän"] * 30),  # it does not
        "ΣΟΦΙΑΣ " * 70 + "ΤΈΛΟΣ",  # a final sigma, lowercased by its context
    ],
)
def test_a_long_paragraph_is_read_to_its_first_words(paragraph: str) -> None:
    whole = re.findall(r"\w+", re.sub(r"\d", "0", paragraph.lower()))  # every word, then cut
    assert words_of(paragraph) == whole[:MAX_WORDS]


def test_a_word_that_asks_for_support_in_any_of_eight_languages_shares_one_feature() -> None:
    asking = ["Soutenez-nous", "Apoie o 247", "Jetzt unterstützen!", "Hazte socio", "Abbonati"]
    assert [analyze(text).count(APPEAL_WORD) for text in asking] == [1, 1, 1, 1, 1]
    # a word's beginning, not any part of it; the words of a report are not all asking
    assert not is_appeal_word("unsupported") and not is_appeal_word("abandon")
    assert analyze("The members voted to subscribe to the plan").count(APPEAL_WORD) == 2


def test_training_writes_the_same_bytes_again(tmp_path: Path) -> None:
    sample()  # skips without a corpus
    outputs = []
    for seed in ("1", "2"):  # another hash seed: no set or dict order may leak into the file
        out = tmp_path / f"model-{seed}.json.gz"
        subprocess.run(
            [sys.executable, str(ROOT / "benchmarks" / "train_appeals.py"), "--outlets", "6"]
            + ["--out", str(out)],
            check=True,
            capture_output=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]


def test_translations_take_the_label_their_english_string_is_given() -> None:
    if not train_appeals.read_translations()[1]:
        pytest.skip("no translations in benchmarks/data/appeals")
    english, rows = train_appeals.read_translations()
    weights = {"w subscribe": 5.0}  # "Subscribe" alone scores 2, a string without the word -3
    page = train_appeals.translated_page(weights, -3.0)
    appeals = {
        t for t, label in zip(page.paragraphs, page.labels, strict=True) if label == "appeal"
    }
    subscribe = {t for i, t in rows if english[i] == "Subscribe"}
    assert subscribe and subscribe <= appeals
    asked = {t for i, t in rows if "subscribe" in english[i].lower()}
    assert appeals <= asked  # a text may translate several strings; one of them asks
    others = page.labels.count("other")
    assert others == train_appeals.NEGATIVES * len(appeals)
    assert train_appeals.translated_page(weights, -3.0) == page  # ranked by hash, not drawn


def test_more_appeal_strings_add_negatives_and_keep_the_others() -> None:
    if not train_appeals.read_translations()[1]:
        pytest.skip("no translations in benchmarks/data/appeals")

    def split(weights: dict[str, float]) -> tuple[set[str], set[str]]:
        page = train_appeals.translated_page(weights, -3.0)
        pairs = list(zip(page.paragraphs, page.labels, strict=True))
        return {t for t, lab in pairs if lab == "appeal"}, {t for t, lab in pairs if lab == "other"}

    fewer, fewer_others = split({"w subscribe": 5.0})
    more, more_others = split({"w subscribe": 5.0, "w newsletter": 5.0})
    assert fewer < more
    # A draw would replace the negatives; ranked, those that stay negatives are all kept.
    assert fewer_others - more <= more_others
    assert len(more_others) > len(fewer_others)


def test_the_shipped_model_is_a_small_json_table_not_a_pickle() -> None:
    raw = MODEL_PATH.read_bytes()
    assert len(raw) < MAX_MODEL_BYTES
    table = json.loads(gzip.decompress(raw))
    assert table["format"] == 3 and table["corpus"]["outlets"] >= 100
    assert 0 < table["thresholds"]["likely"] <= table["thresholds"]["sure"] < 1


def test_a_model_table_without_a_weight_for_each_context_feature_is_refused() -> None:
    table = json.loads(gzip.decompress(MODEL_PATH.read_bytes()))
    table["context"]["weights"] = table["context"]["weights"][:-1]
    with pytest.raises(ValueError, match="9 context weights"):
        model_from_json(table)


def test_a_model_table_of_another_form_is_refused() -> None:
    table = json.loads(gzip.decompress(MODEL_PATH.read_bytes()))
    with pytest.raises(ValueError, match="format 2, not 3"):
        model_from_json({**table, "format": 2})  # a table from before APPEAL_WORD
    fewer = {**table["box"], "names": table["box"]["names"][:-1]}
    with pytest.raises(ValueError, match="trees read score, .*, log words, not "):
        forest_from_json(fewer)
    looped = json.loads(json.dumps(table["box"]))
    looped["trees"][0]["left"][1] = 0  # the root's left child leads back to the root
    with pytest.raises(ValueError, match="hold a loop"):
        forest_from_json(looped)


# Appeals the phrase rules let through on outlets they had never seen, inside a report.
REPORT = [
    "The city council voted on Tuesday to extend the night bus service until March.",
    "Council members said the extension would cost about $1.2 million, paid from the transit"
    " reserve, and that ridership had grown by a fifth since the service began.",
    "Opponents argued the money should go to road repairs instead.",
]
CAUGHT = ["Support The Moscow Times!", "Become a member"]
NOT_YET = [  # the model scores these below its thresholds (docs/appeals.md): a goal not reached
    "Help Grist raise $25,000 by September 30 to further advance our climate reporting",
    "Secure · Tax deductible · Takes 45 Seconds",
    "visa masterCard americanExpress",
]


def test_the_model_removes_appeals_the_rules_let_through() -> None:
    lines = REPORT + CAUGHT
    with installed(None):
        kept_by_rules, _ = strip_boilerplate(lines)
    kept, removed = strip_boilerplate(lines)
    assert kept_by_rules == lines  # so the model did it
    assert kept == REPORT
    assert all(reason.startswith("appeal (model ") for _, reason in removed)


@pytest.mark.xfail(strict=True, reason="the model misses these wordings; remove when it does not")
def test_the_model_removes_the_appeals_it_does_not_know_yet() -> None:
    kept, _ = strip_boilerplate(REPORT + NOT_YET)
    assert kept == REPORT


# Real reports about fundraising and appeals: every sentence is the article's and stays.
FUNDRAISER_REPORT = [  # blog.morningstaronline's appeal, reported (swycl.blogspot.com, 2011)
    "Readers and supporters of the Star launched a massive internet campaign today in response"
    " to an urgent appeal for £75,000 by Christmas.",
    "An overwhelming £15,541 was received in the first day, but there is still a long way to go.",
    "He urged readers and supporters to keep up the momentum in every possible arena to raise"
    " funds.",
]
CHRISTMAS_APPEALS = [  # newsmediauk.org/blog/2022/12/15/christmas-appeals-from-news-brands-underway
    "Local, regional and national news brands across the UK are encouraging readers to donate"
    " and support charitable causes over Christmas.",
    "The Guardian and Observer’s Christmas appeal raised £200,000 in only five days after the"
    " appeal launched.",
    "The Hereford Times have joined forces with Herefordshire Vennture raising funds to support"
    " local families over the holiday.",
]
QUOTED_APPEAL = [  # wef.blogs.com/editors/2005/10/uk_newspaper_ur.html: a paper's appeal quoted
    "In a courageous attempt to engage its readers, The Independent today devotes its front page"
    " to an appeal to donate to the victims of the Asian earthquake.",
    'The paper writes, "... we, as prosperous citizens of the Western world, have a'
    " responsibility to donate too. That is why The Independent is launching an appeal today on"
    ' behalf of the victims ... This is an immediate and positive way for readers to help."',
    "The paper is helping the Disasters Emergency Committee, an umbrella body that includes"
    " well-known British charities.",
]


@pytest.mark.parametrize("report", [FUNDRAISER_REPORT, CHRISTMAS_APPEALS, QUOTED_APPEAL])
def test_a_report_about_an_appeal_keeps_every_sentence(report: list[str]) -> None:
    model = current_model()
    assert model is not None
    lines = REPORT[:1] + report + REPORT[1:]
    kept, removed = strip_boilerplate(lines)
    assert [r for r in removed if r[1].startswith("appeal (model")] == []
    assert all(line in kept for line in report)
    assert max(model.scores(lines)) < model.sure  # no sure one: no run at an end either


def test_explain_accounts_for_the_appeal_trafilatura_dropped() -> None:
    page = next((SITE / "moscowtimes").glob("*.html"))
    result = CliRunner().invoke(main, ["extract", str(page), "--explain"])
    assert result.exit_code == 0, result.output
    account = result.output.split("--- not in the text: ", 1)[1]
    assert int(account.split()[0]) > 10
    line = next(x for x in account.splitlines() if "we have a small favor to ask" in x)
    assert line.startswith("  [not in its text; appeal score 0.")  # trafilatura dropped it
    assert "title (1):" in account and "trafilatura (" in account


def test_the_model_never_empties_a_text() -> None:
    # A one-line post (Scripting News, 2017) is first and last at once, which the model weighs
    # as an appeal box's place; it stays, as the post it is.
    post = (
        "Journalists keep making a serious technology error -- assuming the only damage Russia "
        "can do to our government is during elections."
    )
    assert appeal_reasons([post]) == [None]
    kept, _ = strip_boilerplate([post])
    assert kept == [post]


def test_an_appeal_box_goes_with_its_lines_wherever_it_stands() -> None:
    # A box inside the report (pitch, its likely lines, its button) goes as one; the report's
    # paragraphs around it stay, and a likely line with no sure one beside it stays too.
    model = AppealModel({}, 0.0, (), 0.0, sure=0.7, likely=0.1)
    scores = [0.01, 0.2, 0.05, 0.3, 0.9, 0.4, 0.01, 0.5, 0.01]
    assert appeal_flags(model, scores) == [False, False, False, True, True, True] + [False] * 3
    # at most RUN paragraphs either side of the sure one
    long_box = [0.9] + [0.5] * (RUN + 3) + [0.01]
    assert appeal_flags(model, long_box) == [True] * (RUN + 1) + [False] * 3 + [False]


def test_the_trees_say_what_goes_with_a_sure_line_but_not_what_is_sure() -> None:
    model = AppealModel({}, 0.0, (), 0.0, sure=0.7, likely=0.1)
    scores = [0.01, 0.02, 0.9, 0.02, 0.6, 0.01]
    box = [0.01, 0.5, 0.9, 0.3, 0.99, 0.01]  # the trees hold the last but one an appeal
    assert appeal_flags(model, scores, box) == [False, True, True, True, True, False]
    alone = [0.01, 0.02, 0.02, 0.01]  # nothing sure: nothing goes, whatever the trees say
    assert appeal_flags(model, alone, [0.99, 0.99, 0.99, 0.99]) == [False] * 4
