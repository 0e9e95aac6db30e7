"""One clean line of text from what a feed or a page holds."""

from __future__ import annotations

import html
import re

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def clean_text(value: str) -> str:
    """One line of text: control characters removed, white space folded."""
    return " ".join(_CONTROL.sub("", html.unescape(value)).split())
