"""Records to rows and back: stored times are ISO text in UTC, so they sort as strings."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime

from ..models import Article, FeedHealth, StoredEdition

EDITION_COLUMNS = "day, window_start, window_end, subject, html, text, pdf_path, status"
ARTICLE_COLUMNS = (
    "id, url, source, topic, title, text, published, author, site_name, language, origin, note, "
    "categories"
)


def _article_row(article: Article) -> tuple[str, ...]:
    return (
        article.id,
        article.url,
        article.source,
        article.topic,
        article.title,
        article.text,
        _utc(article.published),
        article.author,
        article.site_name,
        article.language,
        article.origin,
        article.note,
        json.dumps(article.categories, ensure_ascii=False),
    )


def _article_from_row(row: Sequence[str]) -> Article:
    (id_, url, source, topic, title, text, published, author, site, lang, origin, note, tags) = row
    return Article(
        id=id_,
        url=url,
        source=source,
        topic=topic,
        title=title,
        text=text,
        published=datetime.fromisoformat(published),
        author=author,
        site_name=site,
        language=lang,
        origin=origin,
        note=note,
        categories=tuple(json.loads(tags)),
    )


def _utc(moment: datetime) -> str:
    """ISO text in UTC, so stored times sort and compare as strings."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _health_from_row(row: Sequence[object]) -> FeedHealth:
    url, name, status, error, success, failures, entries, next_fetch, checked = row
    return FeedHealth(
        url=str(url),
        name=str(name),
        status=status if isinstance(status, int) else None,
        last_error=str(error) if error else None,
        last_success=_moment(success),
        failures=int(failures or 0),  # type: ignore[call-overload]
        entries=entries if isinstance(entries, int) else None,
        next_fetch=_moment(next_fetch),
        checked_at=_moment(checked),
    )


def _moment(value: object) -> datetime | None:
    """A stored ISO time as an aware datetime (UTC when the text has no offset)."""
    if not isinstance(value, str) or not value:
        return None
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _edition_from_row(row: Sequence[str]) -> StoredEdition:
    day, start, end, subject, html, text, pdf_path, status = row
    return StoredEdition(
        day=date.fromisoformat(day),
        window_start=datetime.fromisoformat(start),
        window_end=datetime.fromisoformat(end),
        subject=subject,
        html=html,
        text=text,
        pdf_path=pdf_path,
        status=status,
    )
