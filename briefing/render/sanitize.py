"""HTML that comes from a feed or a page, made safe to print with `|safe` (RELIABILITY 43).

The bundled templates print only plain text, so today this guards the `clean_html` filter that
template overrides must use to show any HTML. nh3 keeps a small set of text tags, drops scripts,
styles, images and event attributes with their content where it is code, and keeps a link only
when, resolved against the article's URL, it is an absolute http(s) URL.
"""

from __future__ import annotations

from urllib.parse import urljoin

import nh3
from markupsafe import Markup

from .filters import safe_url

TAGS = {
    "a", "abbr", "b", "blockquote", "br", "cite", "code", "em", "i", "li", "ol", "p", "pre",
    "q", "s", "small", "strong", "sub", "sup", "u", "ul",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "blockquote": {"cite"}, "q": {"cite"}}
URL_ATTRIBUTES = {"href", "cite"}
# Their content is code or chrome, not text: dropped whole, not unwrapped.
DROPPED_WITH_CONTENT = {
    "script",
    "style",
    "noscript",
    "template",
    "iframe",
    "object",
    "svg",
    "math",
}


def clean_html(html: object, base_url: object = "") -> Markup:
    """Sanitize feed or page HTML; relative links resolve against `base_url` or are dropped."""
    if not isinstance(html, str) or not html:
        return Markup("")
    base = safe_url(base_url) or ""

    def keep(tag: str, attribute: str, value: str) -> str | None:
        if attribute not in URL_ATTRIBUTES:
            return value
        # An empty base leaves a relative URL relative, and safe_url then drops it.
        return safe_url(urljoin(base, value.strip()) if base else value)

    cleaned = nh3.clean(
        html,
        tags=TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes=ATTRIBUTES,
        attribute_filter=keep,
        url_schemes={"http", "https"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return Markup(cleaned)
