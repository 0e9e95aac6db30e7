"""What makes two links, or two feed items, the same article.

Feeds link one article under many spellings: http and https, with and without `www.` or a
trailing slash, with tracking parameters and fragments. These fold them into one key, so an
article read yesterday through one feed is known today through another.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|mc_cid|mc_eid|ocid|cmpid|at_\w+)$", re.I)


def entry_id(guid: str, link: str, title: str, scope: str = "") -> str:
    """A stable identity: the guid, else the canonical link, else a hash of link and title.

    A guid that is a URL is folded like a link; any other guid ("1", "post-42") only means
    something inside its own feed, so it is taken together with the feed's URL (`scope`).
    """
    guid = guid.strip()
    if guid:
        key = identity_key(guid) or f"{scope}\n{guid}"
    else:
        key = identity_key(link) or f"{link}\n{title}"
    return hashlib.sha1(key.encode("utf-8", "replace")).hexdigest()[:16]


def identity_key(url: str) -> str:
    """What makes two links the same article: http/https, `www.`, a trailing slash, tracking
    parameters and the fragment folded away; "" for anything but an http(s) URL."""
    canonical = canonical_url(url)
    if not canonical:
        return ""
    parts = urlsplit(canonical)
    host = parts.netloc.removeprefix("www.")
    path = parts.path.rstrip("/") or "/"
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return f"{host}{path}?{query}" if query else f"{host}{path}"


def url_variants(url: str) -> tuple[str, ...]:
    """The spellings of a canonical URL that name the same article (scheme, www, slash)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return ()
    host = parts.netloc.removeprefix("www.")
    path = parts.path.rstrip("/")
    suffix = f"?{parts.query}" if parts.query else ""
    return tuple(
        f"{scheme}://{h}{p}{suffix}"
        for scheme in ("https", "http")
        for h in (host, f"www.{host}")
        for p in dict.fromkeys((path or "/", path + "/"))
    )


def canonical_url(url: str) -> str:
    """The URL without fragment and tracking parameters, so one article has one key."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https"):
        return ""
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)
    ]
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path or "/", urlencode(query), ""))
