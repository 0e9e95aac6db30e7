"""An item a feed proxy links through its own redirect (FeedBurner): shown and fetched at the
outlet's address, known by the id it always had; and every item's own category tags carried.

On the real Jornal de Notícias feed (tests/fixtures/feeds/jn.rss, from rss-parser's tests; its
licence beside it), served by a real local server whose transport answers for www.jn.pt.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

from briefing.demo.addresses import PublicAddresses, SiteTransport
from briefing.demo.server import serve
from briefing.extract.articles import extract_articles
from briefing.fetch.feeds import fetch_feed, new_entries
from briefing.fetch.http import Fetcher, FetchPolicy, Response
from briefing.fetch.identity import entry_id
from briefing.fetch.parse import parse_feed
from briefing.models import Article, Entry, FeedResult, FeedSource
from briefing.store import open_store

from ..conftest import FIXTURES

JN = FIXTURES / "feeds" / "jn.rss"
PROXY = "http://feeds.jn.pt/~r/JN-ULTIMAS/~3/UBnb8Ra3Q1U/sonia-laig-e-a-nova-presidente-da-rarissimas-9021600.html"
OUTLET = (
    "https://www.jn.pt/nacional/interior/sonia-laig-e-a-nova-presidente-da-rarissimas-9021600.html"
)
TITLE = "Mãe de utente é a nova presidente da Raríssimas"
PAGE = (
    "<html><head><title>{t}</title></head><body><article><h1>{t}</h1>"
    + "<p>Sónia Laygue, profissional na área dos recursos humanos e mãe de uma criança de três"
    " anos, utente na Casa dos Marcos, é a nova presidente da direção da Raríssimas, eleita"
    " esta quarta-feira pela assembleia geral da associação, que procura virar a página.</p>"
    * 3
    + "</article></body></html>"
).format(t=TITLE)
FEED = "http://feeds.jn.pt/JN-ULTIMAS"
WINDOW = (datetime(2018, 1, 1, tzinfo=UTC), datetime(2018, 1, 4, tzinfo=UTC))


def _jn_entries() -> tuple[Entry, ...]:
    body = JN.read_bytes()
    response = Response(url=FEED, status=200, body=body)
    entries = parse_feed(response, FeedSource("JN", FEED, "News", max_articles=100))
    assert entries is not None
    return entries


def test_a_proxied_item_is_fetched_and_shown_at_the_outlets_address(tmp_path: Path) -> None:
    site = tmp_path / "site"
    page = site / "jn" / "nacional" / "interior" / OUTLET.rsplit("/", 1)[1]
    page.parent.mkdir(parents=True)
    page.write_text(PAGE, encoding="utf-8")
    shutil.copy(JN, site / "jn.rss")
    addresses = PublicAddresses.of([("jn/", "https://www.jn.pt/")])
    policy = FetchPolicy(host_delay=0.0, respect_robots=False)
    with serve(site, addresses=addresses) as server:
        transport = SiteTransport(server.base_url, addresses)
        with Fetcher(transport=transport, policy=policy) as fetcher:
            source = FeedSource("JN", f"{server.base_url}/jn.rss", "News", max_articles=100)
            result = fetch_feed(source, fetcher)
            entry = next(e for e in result.entries if e.title == TITLE)
            articles, failures = extract_articles([entry], [source], fetcher, workers=1)
    assert result.ok and len(result.entries) == 40
    # every item's address is the outlet's, none the proxy's
    assert all(e.url.startswith("https://www.jn.pt/") for e in result.entries)
    assert entry.url == OUTLET
    assert entry.id == entry_id("", PROXY, TITLE, scope=source.url)  # the id it always had
    assert not failures and articles[0].url == OUTLET and articles[0].origin == "page"
    assert "Sónia Laygue" in articles[0].text
    assert server.requests["/jn/nacional/interior/" + OUTLET.rsplit("/", 1)[1]] == 1
    assert articles[0].categories == ("Nacional",)


def test_a_stored_article_is_not_read_again_when_its_link_changes_form(tmp_path: Path) -> None:
    """Stored by an earlier run under the proxy's link (same id), or from another feed under
    the outlet's own address spelled another way (another id): known either way."""
    entries = _jn_entries()
    entry = next(e for e in entries if e.title == TITLE)
    other = next(e for e in entries if e.title != TITLE)
    when = datetime(2018, 1, 3, 13, tzinfo=UTC)
    stored_id = entry_id("", PROXY, TITLE, scope=FEED)  # as a run before this change made it
    before = Article(stored_id, "JN", "News", PROXY, TITLE, "Texto.", when)
    elsewhere = Article(
        "x1", "Other", "News", other.url.replace("https://www.", "http://"), "T", "", when
    )
    result = FeedResult(FeedSource("JN", FEED, "News"), entries)
    with open_store(tmp_path / "store.db") as store:
        fresh = new_entries([result], store, *WINDOW)
        store.save_articles([before, elsewhere], when)
        again = new_entries([result], store, *WINDOW)
    assert entry in fresh and other in fresh
    assert {e.id for e in fresh} - {e.id for e in again} == {entry.id, other.id}


def test_items_carry_their_own_category_tags() -> None:
    jn = _jn_entries()
    tags = [t for e in jn for t in e.categories]
    assert (tags.count("Mundo"), tags.count("Nacional"), tags.count("Economia")) == (11, 5, 5)
    assert all(len(e.categories) == 1 for e in jn)
    atom = (
        b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>'
        b'<entry><id>urn:1</id><title>One</title><link href="https://a.test/1"/>'
        b'<category term="sport" label="Sport"/><category label="Only a label"/>'
        b'<category term="sport"/><updated>2018-01-03T10:00:00Z</updated></entry></feed>'
    )
    source = FeedSource("A", "https://a.test/feed", "News")
    (entry,) = parse_feed(Response(url=source.url, status=200, body=atom), source) or ()
    assert entry.categories == ("sport", "Only a label")  # the term first, each once
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "items": [
            {"id": "1", "url": "https://a.test/1", "title": "T", "tags": ["Tech", 3, "Tech"]}
        ],
    }
    body = json.dumps(feed).encode()
    (item,) = parse_feed(Response(url=source.url, status=200, body=body), source) or ()
    assert item.categories == ("Tech",)


def test_a_feed_without_a_proxy_keeps_its_links() -> None:
    source = FeedSource("M", "https://m.test/feed", "News")
    body = (FIXTURES / "feeds" / "livemint.xml").read_bytes()
    entries = parse_feed(Response(url=source.url, status=200, body=body), source) or ()
    assert entries and all(e.url.startswith("https://www.livemint.com/") for e in entries)
    assert all(e.categories == () for e in entries)
