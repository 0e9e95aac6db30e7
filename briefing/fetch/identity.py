"""What makes two links, or two feed items, the same article.

Feeds link one article under many spellings: http and https, with and without `www.` or a
trailing slash, with tracking parameters and fragments. These fold them into one key, so an
article read yesterday through one feed is known today through another.

One exception: a feed whose items are parts of pages (a linkblog's day page, each item an anchor
on it: `2017/06/26.html#a080605`) keeps its links' fragments, which alone tell its items apart.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|mc_cid|mc_eid|ocid|cmpid|at_\w+)$", re.I)


def entry_id(guid: str, link: str, title: str, scope: str = "", *, anchors: bool = False) -> str:
    """A stable identity: the guid, else the canonical link, else a hash of link and title.

    A guid that is a URL is folded like a link; any other guid ("1", "post-42") only means
    something inside its own feed, so it is taken together with the feed's URL (`scope`).
    With `anchors` (the feed's items are parts of pages), a fragment is kept.
    """
    guid = guid.strip()
    if guid:
        key = identity_key(guid, anchors=anchors) or f"{scope}\n{guid}"
    else:
        key = identity_key(link, anchors=anchors) or f"{link}\n{title}"
    return hashlib.sha1(key.encode("utf-8", "replace")).hexdigest()[:16]


def identity_key(url: str, *, anchors: bool = False) -> str:
    """What makes two links the same article: http/https, `www.`, a trailing slash, tracking
    parameters and the fragment (unless `anchors`) folded away; "" for anything but http(s)."""
    canonical = canonical_url(url, anchors=anchors)
    if not canonical:
        return ""
    parts = urlsplit(canonical)
    host = parts.netloc.removeprefix("www.")
    path = parts.path.rstrip("/") or "/"
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    key = f"{host}{path}?{query}" if query else f"{host}{path}"
    return f"{key}#{parts.fragment}" if parts.fragment else key


def anchored(links: Iterable[str]) -> bool:
    """Whether a feed's items are parts of pages: two of its links name one page with two
    different fragments, which then are what tells its items apart."""
    fragments: dict[str, set[str]] = {}
    for link in links:
        page, fragment = identity_key(link), urlsplit(link.strip()).fragment
        if page and fragment:
            fragments.setdefault(page, set()).add(fragment)
    return any(len(kinds) > 1 for kinds in fragments.values())


def part_of_page(url: str) -> bool:
    """Whether an entry's URL names a part of a page (it kept its fragment: `anchored`)."""
    return bool(urlsplit(url).fragment)


def url_variants(url: str) -> tuple[str, ...]:
    """The spellings of a canonical URL that name the same article (scheme, www, slash)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return ()
    host = parts.netloc.removeprefix("www.")
    path = parts.path.rstrip("/")
    suffix = f"?{parts.query}" if parts.query else ""
    suffix += f"#{parts.fragment}" if parts.fragment else ""
    return tuple(
        f"{scheme}://{h}{p}{suffix}"
        for scheme in ("https", "http")
        for h in (host, f"www.{host}")
        for p in dict.fromkeys((path or "/", path + "/"))
    )


# Not courlan's normalize_url: strict joins ?author=A and ?author=B; lax keeps ocid=, #fragment.
def canonical_url(url: str, *, anchors: bool = False) -> str:
    """The URL without tracking parameters and fragment (kept with `anchors`): one article,
    one key."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https"):
        return ""
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)
    ]
    fragment = parts.fragment if anchors else ""
    host = parts.netloc.lower()
    return urlunsplit((parts.scheme, host, parts.path or "/", urlencode(query), fragment))
