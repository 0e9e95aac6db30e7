"""`briefing summarize FILE.jsonl`: stories fixed by a `story` field or clustered as `briefing
cluster` does, each summarised within --words, as text or JSON; bad lines refused by line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefing.cli import main
from briefing.models import Article

from ..stories.test_cluster import seed_articles, write_jsonl

SEEDS = [a.id for a in seed_articles()]  # 000, 001, 003: Geneva; 002 and 004 apart


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, [*args])
    return result.exit_code, result.output


def stories_of(path: Path, *options: str) -> list[dict]:
    code, output = run("summarize", str(path), "--json", *options)
    assert code == 0, output
    return json.loads(output)["stories"]


def with_story(path: Path, groups: dict[str, str]) -> Path:
    """Add a `story` field to the lines whose id `groups` names."""
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    for line in lines:
        if line["id"] in groups:
            line["story"] = groups[line["id"]]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    return path


def check_shape(stories: list[dict], ids: list[str], by_id: dict[str, Article]) -> None:
    """Every id once; every summary sentence from one of its story's articles, verbatim."""
    listed = [aid for s in stories for aid in s["articles"]]
    assert sorted(listed) == sorted(ids)
    for story in stories:
        assert set(story) == {"id", "headline", "articles", "summary"}
        assert story["summary"], story
        if any(by_id[aid].title for aid in story["articles"]):
            assert story["headline"], story
        for sentence in story["summary"]:
            assert set(sentence) == {"text", "article"}
            assert sentence["article"] in story["articles"]
            assert " ".join(sentence["text"].split()) in " ".join(
                by_id[sentence["article"]].text.split()
            )


@pytest.fixture
def seeds(tmp_path: Path) -> tuple[Path, dict[str, Article]]:
    articles = seed_articles()
    return write_jsonl(tmp_path / "seeds.jsonl", articles), {a.id: a for a in articles}


def test_without_story_fields_the_articles_are_clustered_as_briefing_cluster_does(
    seeds: tuple[Path, dict[str, Article]],
) -> None:
    path, texts = seeds
    stories = stories_of(path)
    check_shape(stories, SEEDS, texts)
    code, output = run("cluster", str(path), "--json")
    assert code == 0, output
    clustered = [(s["id"], sorted(s["articles"])) for s in json.loads(output)["stories"]]
    assert sorted((s["id"], sorted(s["articles"])) for s in stories) == sorted(clustered)
    assert ["000", "001", "003"] in [sorted(s["articles"]) for s in stories]


def test_story_fields_fix_the_grouping_and_name_the_stories(
    seeds: tuple[Path, dict[str, Article]],
) -> None:
    path, texts = seeds
    # Not the grouping clustering finds: the Geneva reports split, unrelated ones joined.
    with_story(path, {"000": "first", "002": "first", "001": "second", "003": "second"})
    stories = stories_of(path)
    check_shape(stories, SEEDS, texts)
    groups = {s["id"]: sorted(s["articles"]) for s in stories}
    assert groups["first"] == ["000", "002"] and groups["second"] == ["001", "003"]
    (rest,) = [g for key, g in groups.items() if key not in ("first", "second")]
    assert rest == ["004"]  # the line without a story is clustered on its own


def test_words_bounds_each_summary(seeds: tuple[Path, dict[str, Article]]) -> None:
    path, texts = seeds
    totals = {}
    for words in (25, 90):
        stories = stories_of(path, "--words", str(words))
        check_shape(stories, SEEDS, texts)
        sizes = [sum(len(x["text"].split()) for x in s["summary"]) for s in stories]
        assert all(size <= words for size in sizes), (words, sizes)
        totals[words] = sum(sizes)
    assert totals[90] > totals[25]
    assert run("summarize", str(path), "--words", "0")[0] == 2


def test_text_output_names_each_sentence_s_outlet_and_article(
    seeds: tuple[Path, dict[str, Article]],
) -> None:
    path, _ = seeds
    code, output = run("summarize", str(path))
    assert code == 0, output
    stories = stories_of(path)
    for story in stories:
        assert story["headline"] in output
        for sentence in story["summary"]:
            assert f"{sentence['text']} (" in output and f", {sentence['article']})" in output


GOOD_LINE = {"id": "a", "title": "Talks end", "text": "The talks ended in Geneva on Friday."}


@pytest.mark.parametrize(
    ("second", "message"),
    [
        ('{"id": "b", "title": "t", "text": ', "not JSON"),
        ('["b", "t", "x"]', "each line must be a JSON object"),
        ('{"title": "t", "text": "x"}', "'id' is missing or not a string"),
        ('{"id": "b", "text": "x"}', "'title' is missing or not a string"),
        ('{"id": "b", "title": "t"}', "'text' is missing or not a string"),
        ('{"id": "a", "title": "t", "text": "x"}', "id 'a' appears twice"),
        ('{"id": "b", "title": "t", "text": "x", "story": ["s"]}', "'story' must be"),
        ('{"id": "b", "title": "t", "text": "x", "story": " "}', "'story' must be"),
    ],
)
def test_a_bad_line_is_refused_with_the_file_and_line(
    tmp_path: Path, second: str, message: str
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(f"{json.dumps(GOOD_LINE)}\n\n{second}\n", encoding="utf-8")
    code, output = run("summarize", str(path), "--json")
    assert code == 2
    assert f"bad.jsonl:3: {message}" in " ".join(output.split())
    assert "Traceback" not in output


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    code, output = run("summarize", str(tmp_path / "none.jsonl"))
    assert code == 2 and "none.jsonl" in output and "does not exist" in output
