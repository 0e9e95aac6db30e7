"""LLM summaries against a real chat-completions server on 127.0.0.1: answers that pass, answers
that fail each check, and servers that fail each way; every failure keeps the extractive summary."""

from __future__ import annotations

import logging
import re
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from briefing.compose.llm import GIVE_UP_AFTER, LlmOutcome, chat_url, llm_sections, story_sources
from briefing.compose.llmcheck import check_answer, plain_text
from briefing.compose.summarize import summarize_story
from briefing.config import LlmConfig, parse_config
from briefing.errors import ConfigError
from briefing.models import Article, Briefing, Section, Story
from briefing.render import render_html, render_markdown

from ..chat_server import Reply, chat_server, closed_port, completion

KEY_ENV = "BRIEFING_TEST_LLM_KEY"
KEY = "sk-test-0123456789-secret"

REUTERS = Article(
    id="r1",
    source="Reuters",
    topic="World",
    url="https://reuters.example/geneva",
    title="Russia expects written U.S. answer next week, Lavrov says",
    text=(
        "GENEVA (Reuters) - Russia expects a written U.S. answer to its security proposals next "
        "week, Foreign Minister Sergei Lavrov said on Friday after talks in Geneva.\n"
        "Lavrov said the talks had been useful but that Moscow wanted concrete answers.\n"
        "Russia has massed about 100,000 troops near the Ukrainian border."
    ),
    published=datetime(2022, 1, 21, 14, tzinfo=UTC),
)
TASS = Article(
    id="t1",
    source="TASS",
    topic="World",
    url="https://tass.example/blinken",
    title="Blinken and Lavrov meet for 90 minutes",
    text=(
        "Secretary of State Antony Blinken and Lavrov met in Geneva for about 90 minutes.\n"
        "Blinken said the United States would share its ideas with Russia in writing next week.\n"
        "Both sides agreed to keep talking."
    ),
    published=datetime(2022, 1, 21, 15, tzinfo=UTC),
)
# Sources as the prompt numbers them: [1]-[3] Reuters, [4]-[6] TASS.
GOOD = (
    "Russia expects a written U.S. answer to its proposals next week, Lavrov said [1]. "
    "Blinken and Lavrov met in Geneva for about 90 minutes [4][5]."
)


@pytest.fixture
def story() -> Story:
    """The two-outlet story with its extractive summary, as the pipeline hands it on."""
    return summarize_story(Story("geneva", "Geneva talks", "World", (REUTERS, TASS)), 60)


def ask(story: Story, url: str, *, words: int = 60, timeout: float = 2.0, key_env: str = ""):
    config = LlmConfig(url=url, model="test-model", api_key_env=key_env, timeout=timeout)
    sections, report = llm_sections([Section("World", (story,))], config, words, words)
    return sections[0].stories[0], report.outcomes[0]


def answering(reply: Reply):
    return lambda request: reply


def test_sources_are_numbered_per_sentence_with_their_outlet(story: Story) -> None:
    sources = story_sources(story.articles)
    assert [(s.number, s.article) for s in sources] == [(n, (n - 1) // 3) for n in range(1, 7)]
    assert sources[3].text.startswith("Secretary of State Antony Blinken")


def test_an_answer_that_passes_is_used_and_each_sentence_credited_to_its_cited_article(
    story: Story,
) -> None:
    with chat_server(answering(completion(GOOD))) as server:
        summarized, outcome = ask(story, server.url)
    assert outcome == LlmOutcome("geneva", "Geneva talks", True)
    assert [(s.text, s.article_id, s.source, s.url) for s in summarized.summary] == [
        (
            "Russia expects a written U.S. answer to its proposals next week, Lavrov said.",
            "r1",
            "Reuters",
            REUTERS.url,
        ),
        ("Blinken and Lavrov met in Geneva for about 90 minutes.", "t1", "TASS", TASS.url),
    ]
    # What was asked: the configured model, the budget, every sentence numbered with its outlet.
    (request,) = server.seen
    assert request.body["model"] == "test-model" and request.body["max_tokens"] == 400
    prompt = request.body["messages"][-1]["content"]
    assert "[1] (Reuters) GENEVA (Reuters) - Russia expects" in prompt
    assert "[5] (TASS) Blinken said the United States" in prompt
    assert "at most 60 words" in prompt
    assert "Authorization" not in request.headers  # no api_key_env, no key


def test_citations_after_the_full_stop_and_in_lists_are_understood(story: Story) -> None:
    answer = (
        "Russia expects a written U.S. answer next week. [1, 2]\n"
        "Blinken and Lavrov met in Geneva for about 90 minutes.[4]"
    )
    with chat_server(answering(completion(answer))) as server:
        summarized, outcome = ask(story, server.url)
    assert outcome.used, outcome.reason
    assert [s.article_id for s in summarized.summary] == ["r1", "t1"]


@pytest.mark.parametrize(
    ("answer", "words", "reason"),
    [
        (
            "Russia expects a written U.S. answer next week [1]. Lavrov met Blinken in Geneva.",
            60,
            "sentence 2 cites no source",
        ),
        ("Russia expects a written U.S. answer next week [7].", 60, "cites [7], but only 1 to 6"),
        ("Russia expects a written U.S. answer next week [0].", 60, "cites [0], but only 1 to 6"),
        ("Putin said Russia expects a written U.S. answer next week [1].", 60, "names 'Putin'"),
        ("Blinken and Lavrov met in Geneva for about 45 minutes [4].", 60, "the number 45"),
        ("Russia has massed about 150,000 troops near Ukraine [3].", 60, "the number 150,000"),
        # Blinken is in the story, but not in the Reuters report this sentence cites.
        ("Blinken told Lavrov in Geneva to expect a written answer [1].", 60, "names 'Blinken'"),
        (GOOD, 20, "23 words, over the budget of 20"),
        ("", 60, "the answer holds no sentence"),
        ("[1] [2]", 60, "the answer holds no sentence"),
    ],
)
def test_an_answer_failing_a_check_keeps_the_extractive_summary(
    story: Story, answer: str, words: int, reason: str
) -> None:
    with chat_server(answering(completion(answer))) as server:
        summarized, outcome = ask(story, server.url, words=words)
    assert not outcome.used and reason in outcome.reason
    assert summarized.summary == story.summary and story.summary


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (Reply(500, b'{"error": "overloaded"}'), "the server answered HTTP 500"),
        (Reply(401, b'{"error": "bad key"}'), "the server answered HTTP 401"),
        (Reply(200, b"<html>not json</html>"), "the answer is not a chat completion (JSON)"),
        (Reply(200, b'{"choices": []}'), "the answer is not a chat completion (JSON)"),
        (
            Reply(200, b'{"choices": [{"message": {"content": null}}]}'),
            "the answer's message has no text",
        ),
        (Reply(200, completion(GOOD).body, delay=6.0), "no answer within 0.5 s"),
        # Each byte comes well within any per-read timeout; only a total deadline stops it.
        (Reply(200, completion(GOOD).body, drip=0.02), "no answer within 0.5 s"),
    ],
)
def test_a_server_failing_keeps_the_extractive_summary_with_the_reason(
    story: Story, reply: Reply, reason: str
) -> None:
    with chat_server(answering(reply)) as server:
        started = time.monotonic()
        summarized, outcome = ask(story, server.url, timeout=0.5)
        elapsed = time.monotonic() - started
    assert not outcome.used and outcome.reason == reason
    assert summarized.summary == story.summary
    assert elapsed < 2.5  # the deadline covers the whole call, not each read


def test_a_redirect_is_not_followed(story: Story) -> None:
    def respond(request: dict) -> Reply:
        return Reply(307, b"", headers=(("Location", "/v1/chat/completions?again"),))

    with chat_server(respond) as server:
        summarized, outcome = ask(story, server.url)
    assert outcome.reason == "the server answered a redirect (HTTP 307), not followed"
    assert len(server.seen) == 1 and summarized.summary == story.summary


def test_a_server_that_is_down_is_given_up_on_after_a_few_stories(story: Story) -> None:
    config = LlmConfig(url=closed_port(), model="m", timeout=2.0)
    sections = [Section("World", tuple(story for _ in range(GIVE_UP_AFTER + 2)))]
    done, report = llm_sections(sections, config, 60, 100)
    reasons = [o.reason for o in report.outcomes]
    assert reasons[:GIVE_UP_AFTER] == ["the server could not be reached"] * GIVE_UP_AFTER
    assert all(r.startswith("not asked: the server failed") for r in reasons[GIVE_UP_AFTER:])
    assert (report.used, report.fallbacks) == (0, GIVE_UP_AFTER + 2)
    assert all(s.summary == story.summary for s in done[0].stories)


INJECTED = (
    'Russia expects a written U.S. answer next week <script>alert("Lavrov")</script> [1]. '
    "Lavrov said the talks in Geneva had been [useful](https://evil.example/phish) [2]. "
    "Blinken and Lavrov met in Geneva, see https://evil.example/a?b=1 and www.evil.example "
    'or evil.example/x <a href="javascript:alert(1)">here</a> ![x](http://evil.example/i.png) [4]. '
)


def test_markup_and_links_in_an_answer_never_come_out_live(story: Story) -> None:
    with chat_server(answering(completion(INJECTED))) as server:
        summarized, outcome = ask(story, server.url)
    assert outcome.used, outcome.reason
    texts = [s.text for s in summarized.summary]
    assert texts[1] == "Lavrov said the talks in Geneva had been useful."
    for text in texts:
        for bad in ("<", ">", "](", "http", "www", "evil", "javascript", "script", "href"):
            assert bad not in text, (bad, text)
    briefing = Briefing(
        "Test",
        date(2022, 1, 22),
        datetime(2022, 1, 22, tzinfo=UTC),
        datetime(2022, 1, 21, tzinfo=UTC),
        datetime(2022, 1, 22, tzinfo=UTC),
        "UTC",
        (Section("World", (summarized,)),),
    )
    for rendered in (render_html(briefing), render_markdown(briefing)):
        assert "evil" not in rendered and "alert(" not in rendered
        assert "Lavrov said the talks in Geneva had been useful." in rendered


def test_plain_text_takes_out_tags_links_and_addresses_but_keeps_words() -> None:
    assert plain_text("<b>Talks</b> in <i>Geneva</i>") == " Talks  in  Geneva "
    assert plain_text("[the U.S. said](http://x.example) so") == "the U.S. said so"
    assert "example" not in plain_text("mail me: mailto:a@b.example or see b.example.org")
    assert (
        plain_text("The data: jobs rose; JavaScript:alert(1) not") == "The data: jobs rose;   not"
    )
    assert plain_text("talks lasted 1.5 hours at 3.30 p.m. in the U.S.") == (
        "talks lasted 1.5 hours at 3.30 p.m. in the U.S."
    )


def test_the_key_goes_only_in_the_bearer_header(
    story: Story, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv(KEY_ENV, KEY)
    replies = iter([completion(GOOD), Reply(500, b"{}"), completion("Putin spoke [1].")])
    caplog.set_level(logging.DEBUG)
    with chat_server(lambda request: next(replies)) as server:
        results = [ask(story, server.url, key_env=KEY_ENV) for _ in range(3)]
    assert [h.headers["Authorization"] for h in server.seen] == [f"Bearer {KEY}"] * 3
    assert all(KEY not in str(h.body) for h in server.seen)  # not in the prompt either
    assert [o.used for _, o in results] == [True, False, False]
    shown = repr(results) + caplog.text
    assert "HTTP 500" in caplog.text and "names 'Putin'" in caplog.text
    assert KEY not in shown and KEY_ENV not in caplog.text


def test_a_missing_key_variable_keeps_every_extractive_summary(
    story: Story, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    with chat_server(answering(completion(GOOD))) as server:
        summarized, outcome = ask(story, server.url, key_env=KEY_ENV)
    assert outcome.reason == f"the environment variable {KEY_ENV} is not set"
    assert server.seen == [] and summarized.summary == story.summary


def test_check_answer_accepts_a_sentence_opening_with_a_common_word(story: Story) -> None:
    sources = story_sources(story.articles)
    checked = check_answer(
        "Meanwhile, Blinken promised ideas in writing [5].", sources, story.articles, 60
    )
    assert checked.problem == "" and checked.sentences[0][1] == (5,)


def test_chat_url_takes_the_base_or_the_full_endpoint() -> None:
    assert chat_url("http://127.0.0.1:8080/v1") == "http://127.0.0.1:8080/v1/chat/completions"
    assert chat_url("http://h/v1/chat/completions/") == "http://h/v1/chat/completions"


def llm_config(tmp_path: Path, table: dict) -> LlmConfig | None:
    data = {"feeds": [{"name": "A", "url": "https://a.example/feed"}], "llm": table}
    return parse_config(data, tmp_path / "feeds.toml").llm


def test_the_llm_table_is_off_without_a_url_and_checked_with_one(tmp_path: Path) -> None:
    assert llm_config(tmp_path, {}) is None
    assert llm_config(tmp_path, {"model": "m"}) is None
    config = llm_config(
        tmp_path, {"url": "http://127.0.0.1:11434/v1", "model": "llama3", "api_key_env": "K"}
    )
    assert config == LlmConfig("http://127.0.0.1:11434/v1", "llama3", "K", 60.0, 400)
    bad = [
        ({"url": "ftp://x/v1", "model": "m"}, "'llm.url' is not an http(s) URL"),
        ({"url": "http://x/v1"}, "'llm.model' is required"),
        ({"url": "http://x/v1", "model": "m", "api_key_env": "sk-abc-123"}, "not the key"),
        ({"url": "http://x/v1", "model": "m", "api_key_env": "a1b2c3d4e5f6"}, "not the key"),
        ({"url": "http://x/v1", "model": "m", "timeout": 0}, "'llm.timeout' must be greater"),
        ({"url": "http://x/v1", "model": "m", "key": "x"}, "unknown key 'key' in [llm]"),
    ]
    for table, message in bad:
        with pytest.raises(ConfigError, match=re.escape(message)):
            llm_config(tmp_path, table)


def test_a_run_with_an_llm_keeps_going_when_it_fails_and_counts_what_it_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from briefing.demo import AS_OF, SITE, demo_config
    from briefing.demo.server import serve
    from briefing.pipeline import generate

    from ..chat_server import cite_first_sources

    def respond(request: dict) -> Reply:
        if "(InfoSurHoy)" in request["messages"][-1]["content"]:
            return Reply(500, b"{}")
        return cite_first_sources(request)

    monkeypatch.setenv(KEY_ENV, KEY)
    with serve(SITE) as site, chat_server(respond) as llm:
        data = demo_config(site.base_url, tmp_path / "out", tmp_path / "demo.db")
        data |= {"formats": ["html"], "llm": {"url": llm.url, "model": "m", "api_key_env": KEY_ENV}}
        result = generate(parse_config(data, tmp_path / "feeds.toml"), as_of=AS_OF)
    stats = result.briefing.stats
    assert (stats.stories, stats.llm_summaries, stats.llm_fallbacks) == (3, 2, 1)
    assert "3 stories (2 LLM summaries, 1 kept extractive) from 5 outlets" in result.summary_line()
    assert "HTTP 500" in caplog.text
    # The Geneva story's summary is the stand-in model's: one cited sentence from each of two
    # outlets, each credited to the article it cites.
    geneva = next(s for s in result.briefing.stories if len(s.sources) == 3)
    assert len(geneva.summary) == 2 and len({s.source for s in geneva.summary}) == 2
    for sentence in geneva.summary:
        article = next(a for a in geneva.articles if a.id == sentence.article_id)
        assert sentence.text.rstrip(".") in " ".join(article.text.split())
    html = (tmp_path / "out" / "briefing-2022-01-22.html").read_text(encoding="utf-8")
    assert geneva.summary[0].text.split(",")[0] in html
    assert KEY not in html + result.summary_line() + caplog.text
