"""Records to JSON and back, by their declared types: how the store keeps a rendered Briefing.

JSON, not pickle: a store file is data, and reading it must never run code. Every record in
`models.py` is a frozen dataclass of str, int, float, bool, date, datetime, tuples of records,
and optional values; that is all this handles, and anything else is refused when written.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from datetime import date, datetime
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")


def to_json(record: object) -> str:
    """A record as JSON text."""
    return json.dumps(_plain(record), separators=(",", ":"), ensure_ascii=False)


def from_json(text: str, kind: type[T]) -> T:
    """The record of type `kind` that `to_json` wrote; raise ValueError if it does not fit."""
    value: T = _typed(json.loads(text), kind)
    return value


def _plain(value: object) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, date):  # datetime too: isoformat keeps the offset
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"cannot keep a {type(value).__name__} as JSON")


def _typed(value: Any, kind: Any) -> Any:
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(kind)
        if value is None and type(None) in options:
            return None
        return _typed(value, next(o for o in options if o is not type(None)))
    if origin is tuple:
        item = typing.get_args(kind)[0]
        return tuple(_typed(v, item) for v in value)
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        hints = _hints(kind)
        return kind(**{name: _typed(v, hints[name]) for name, v in value.items() if name in hints})
    if kind is datetime:
        return datetime.fromisoformat(value)
    if kind is date:
        return date.fromisoformat(value)
    if kind in (str, int, float, bool):
        if not isinstance(value, kind) and not (kind is float and isinstance(value, int)):
            raise ValueError(f"expected {kind.__name__}, got {type(value).__name__}")
        return value
    raise ValueError(f"cannot read a {kind!r} from JSON")


@cache
def _hints(kind: type) -> dict[str, Any]:
    return typing.get_type_hints(kind)
