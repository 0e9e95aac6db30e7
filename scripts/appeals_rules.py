"""Label proposals for the appeals corpus: what a reader's eye would call an appeal or a page's
furniture. These only propose; every proposal was read, and review.tsv holds the corrections."""

from __future__ import annotations

import re
from collections import Counter

from stop_words import get_stop_words

LANGUAGES = ("en", "de", "fr", "es", "pt", "it", "nl", "pl", "sv", "da", "ru", "cs", "fi", "tr")
STOP = {lang: set(get_stop_words(lang)) for lang in LANGUAGES}

# Donation, membership, subscription, newsletter or app sign-up, payment lines: the words such a
# paragraph is made of, in the six languages of the corpus and a few more.
APPEAL = re.compile(
    r"""
    \b(subscri(be|ber|bers|ption|ptions|bing)|newsletters?|donat(e|es|ion|ions|ing)|donors?
    |become\ an?\ (member|supporter|patron|subscriber|insider)|membership|sign\ ?-?up\b|inbox
    |patreon|paypal|tax[-\ ]deductible|unlimited\ (digital\ )?access|free\ trial|per\ month
    |support\ (us|our\ (journalism|work|reporting|mission)|independent|quality|local)
    |(our|independent|local|quality)\ journalism|contribut(e|ion)\ (today|now|to\ us)
    |app\ store|google\ play|download\ (our|the)\ app|give\ (now|today)|chip\ in
    |abonn\w*|spende\w*|unterstütz\w*|mitglied\w*|förder(er|mitglied)\w*|jetzt\ (lesen|testen)
    |gratis|kostenlos|bankverbindung|iban|überweisung
    |faites\ un\ don|soutene[zr]\w*|adhére[zr]|lettre\ d.information|inscri(vez|re|ption)\w*
    |suscr[ií]b\w*|suscripci[oó]n|bolet[ií]n|hazte|h[aá]zte|d[oó]nanos|apoy[ae]\w*|colabora\w*
    |assin(e|ar|atura|ante)\w*|apoi[ae]\w*|doe\b|doa[cç][aã]o|contribua|cadastr\w*|inscreva\w*
    |abbona\w*|iscriviti|sostieni|sostener\w*|donazion\w*|dona\ ora|registrati
    |visa|mastercard|american\ ?express|apple\ pay|google\ pay|sepa)\b
    """,
    re.I | re.X,
)


# Languages without stop-word lists here, told by their script (Hiragana before Han: Japanese
# mixes both).
SCRIPTS = (
    ("ko", "\uac00-\ud7af"),
    ("ja", "\u3040-\u30ff"),
    ("zh", "\u4e00-\u9fff"),
    ("ar", "\u0600-\u06ff"),
    ("he", "\u0590-\u05ff"),
    ("el", "\u0370-\u03ff"),
    ("hi", "\u0900-\u097f"),
    ("kn", "\u0c80-\u0cff"),
    ("th", "\u0e00-\u0e7f"),
    ("ru", "\u0400-\u04ff"),
)


def detect_language(text: str) -> str:
    """The language whose stop words the text uses most, else the script most of its letters
    are written in ('' when neither tells)."""
    words = re.findall(r"\w+", text.lower())[:2000]
    scores = Counter({lang: sum(w in stop for w in words) for lang, stop in STOP.items()})
    best = scores.most_common(1)
    if best and best[0][1] >= 5:
        return best[0][0]
    sample = text[:5000]
    letters = max(1, len(re.findall(r"[^\W\d_]", sample)))
    for lang, block in SCRIPTS:
        if len(re.findall(f"[{block}]", sample)) > letters / 3:
            return lang
    return ""


def propose_label(text: str, in_article: bool) -> str:
    """The first guess for one paragraph, given whether the human text holds it."""
    if in_article:
        return "article"
    return "appeal" if APPEAL.search(text) else "other"
