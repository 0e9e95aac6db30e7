"""The script a careful user would write for a daily PDF of their feeds: the baseline we race.

    python benchmarks/user_script.py FEEDS.txt WORKDIR

FEEDS.txt holds one feed URL a line. What it does, as a careful user would write it:

- the feeds fetched in 8 threads (one httpx client, connections kept alive), each with the ETag
  of its last answer (conditional GET), parsed with feedparser; a feed answering 304 gives the
  entries it gave last time (kept in WORKDIR/state.json);
- each page not read on an earlier run downloaded in the same 8 threads and handed, as it
  arrives, to trafilatura (default settings) in a pool of 2 processes, so downloads and
  extraction overlap;
- the texts kept in WORKDIR/state.json, so a second run reads no page twice;
- every article (title, time, the text's first 40 words) in one HTML page by Jinja2, a section
  a feed, in one column (two CSS columns for 1,000 articles cost WeasyPrint twice the time: a
  careful user would not keep them), and the whole PDF written by WeasyPrint, on every run.

No politeness (no per-host cap or delay), no clustering, no summaries, no boilerplate learning,
no store: it does less per article than `briefing generate`, which is the point of the race.
"""

from __future__ import annotations

import json
import sys
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import feedparser
import httpx
import jinja2
import trafilatura
import weasyprint

TEMPLATE = jinja2.Template(
    """<!doctype html><html><head><meta charset="utf-8"><title>Daily briefing</title>
<style>body{font:10pt serif}h3{font-size:10.5pt;margin:.6em 0 .1em}
p{margin:0} .meta{color:#555;font-size:8pt}</style></head><body><h1>Daily briefing</h1>
{% for feed in feeds %}<h2>{{ feed.title }}</h2>
{% for a in feed.articles %}<h3><a href="{{ a.link }}">{{ a.title }}</a></h3>
<p class="meta">{{ a.published }}</p><p>{{ a.excerpt }}</p>
{% endfor %}{% endfor %}</body></html>"""
)


def fetch(client: httpx.Client, url: str, etag: str | None) -> httpx.Response:
    headers = {"If-None-Match": etag} if etag else {}
    return client.get(url, headers=headers, timeout=30)


def read_feed(response: httpx.Response) -> dict[str, object]:
    parsed = feedparser.parse(response.content)
    entries = [
        {"title": e.get("title", ""), "link": e.get("link", ""), "published": e.get("published")}
        for e in parsed.entries
    ]
    return {"title": parsed.feed.get("title", ""), "entries": entries}


def extract(html: bytes, url: str) -> str:
    return trafilatura.extract(html, url=url) or ""


def main(feed_list: Path, workdir: Path) -> int:
    state_file = workdir / "state.json"
    state = json.loads(state_file.read_text()) if state_file.exists() else {}
    etags, feeds, texts = state.get("etags", {}), state.get("feeds", {}), state.get("texts", {})
    urls = feed_list.read_text().split()
    with httpx.Client() as client, ThreadPoolExecutor(8) as threads:
        answers = {u: threads.submit(fetch, client, u, etags.get(u)) for u in urls}
        for url, future in answers.items():
            response = future.result()
            if response.status_code == 200:
                feeds[url] = read_feed(response)
                etags[url] = response.headers.get("etag")
        links = [e["link"] for u in urls for e in feeds.get(u, {}).get("entries", [])]
        new = [link for link in links if link not in texts]
        with ProcessPoolExecutor(2) as processes:
            pages = [threads.submit(fetch, client, link, None) for link in new]
            extracting: dict[Future[str], str] = {}
            for page in as_completed(pages):
                response = page.result()
                link = str(response.request.url)
                extracting[processes.submit(extract, response.content, link)] = link
            for done in as_completed(extracting):
                texts[extracting[done]] = done.result()
    state_file.write_text(json.dumps({"etags": etags, "feeds": feeds, "texts": texts}))
    html = TEMPLATE.render(feeds=[_section(feeds[u], texts) for u in urls if u in feeds])
    weasyprint.HTML(string=html).write_pdf(workdir / "briefing.pdf")
    return 0


def _section(feed: dict[str, Any], texts: dict[str, str]) -> dict[str, object]:
    articles = [
        e | {"excerpt": " ".join(texts.get(e["link"], "").split()[:40])} for e in feed["entries"]
    ]
    return {"title": feed["title"], "articles": articles}


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
