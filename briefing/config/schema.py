"""How a setting is declared, and how a record is built from the settings its table declares.

A record names each setting as a typed field, for the type checker, but takes its default from
the table (`declared`) and its value from the table's reading (`build`); only the fields derived
from settings (paths resolved, sub-tables) are written out where the record is built.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar


@dataclass(frozen=True, slots=True)
class Setting:
    """One declared setting: its name, type, default and the help line users read."""

    name: str
    type: type
    default: Any
    help: str
    required: bool = False
    above: float | None = None  # the value must be greater than this
    minimum: float | None = None  # the value must be at least this
    maximum: float | None = None  # the value must be at most this
    attribute: str = ""  # the record's field, when the key is no Python name ("from")

    @property
    def field(self) -> str:
        """The name of the record's field holding this setting."""
        return self.attribute or self.name


R = TypeVar("R")


def record_value(value: Any) -> Any:
    """A setting's value as a frozen record holds it: TOML's lists and tables become tuples."""
    if isinstance(value, list | tuple):
        return tuple(record_value(v) for v in value)
    if isinstance(value, Mapping):
        return tuple((key, record_value(v)) for key, v in value.items())
    return value


def declared(table: tuple[Setting, ...], name: str) -> Any:
    """The declared default of setting `name`, as a record's field holds it."""
    (setting,) = (s for s in table if s.name == name)
    return record_value(setting.default)


def build(
    record: Callable[..., R], table: tuple[Setting, ...], values: Mapping[str, Any], **derived: Any
) -> R:
    """The record of a checked table: each setting's value from `values`, except the fields
    given in `derived` (paths resolved against the config file, sub-tables)."""
    fields = {s.field: record_value(values[s.name]) for s in table}
    return record(**{**fields, **derived})
