"""One clean line of text from what a feed or a page holds."""

from __future__ import annotations

import html
import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def clean_text(value: str) -> str:
    """One line of text: control characters removed, white space folded, letters composed.

    Composed as Unicode's NFC form, as trafilatura's own `extract` returns its text: a page may
    write "é" as one letter or as "e" and an accent, and the two must be one word to compare.
    """
    return " ".join(clean_text_unfolded(value).split())


def clean_text_unfolded(value: str) -> str:
    """`clean_text` with its white space left as it is, for a caller that keeps only its words.

    Composing neither makes nor takes white space, so folding it after composing is the same.
    """
    return unicodedata.normalize("NFC", _CONTROL.sub("", html.unescape(value)))
