"""Each record of the configuration agrees with the table that declares its settings.

A setting is declared once, in a table; a record holds it as a typed field. These tests check
that the two say the same: the same names, the same defaults, matching types.
"""

from __future__ import annotations

import dataclasses
import types
from pathlib import Path
from typing import Any, get_args, get_origin, get_type_hints

import pytest

from briefing.config import (
    DEFAULTS,
    EMAIL,
    FEED,
    FETCH,
    LLM,
    SETTINGS,
    TABLES,
    TOPICS,
    Config,
    EmailConfig,
    FetchConfig,
    LlmConfig,
    Setting,
    TopicsConfig,
    parse_config,
)
from briefing.config.schema import record_value
from briefing.models import FeedSource

# Each record, the table it is built from, and its fields that are no setting.
RECORDS: list[tuple[type, tuple[Setting, ...], set[str]]] = [
    (Config, SETTINGS, {"path"} | set(TABLES) - {"defaults"}),
    (FeedSource, FEED + DEFAULTS, set()),
    (EmailConfig, EMAIL, set()),
    (FetchConfig, FETCH, set()),
    (TopicsConfig, TOPICS, set()),
    (LlmConfig, LLM, set()),
]


def _is_path(hint: Any) -> bool:
    """Whether a field holds a path: a str setting resolved against the config file."""
    return hint is Path or (get_origin(hint) is types.UnionType and Path in get_args(hint))


def mismatches(record: type, table: tuple[Setting, ...], others: set[str]) -> list[str]:
    """Where `record`'s fields and the settings of `table` disagree, one line each."""
    fields = {f.name: f for f in dataclasses.fields(record)}
    hints = get_type_hints(record)
    declared = {s.field: s for s in table}
    problems = [f"{name}: a field, but no setting" for name in fields.keys() - declared - others]
    problems += [f"{name}: a setting, but no field" for name in declared.keys() - fields.keys()]
    for name, setting in declared.items():
        if name not in fields:
            continue
        field, hint = fields[name], hints[name]
        if _is_path(hint):
            if setting.type is not str:
                problems.append(f"{name}: a path field, but a {setting.type.__name__} setting")
            continue  # derived where the record is built
        held = tuple if setting.type in (list, dict) else setting.type
        if (get_origin(hint) or hint) is not held:
            problems.append(f"{name}: field type {hint}, setting type {setting.type.__name__}")
        default = field.default
        if default is not dataclasses.MISSING and default != record_value(setting.default):
            problems.append(f"{name}: default {default!r}, declared {setting.default!r}")
    return problems


@pytest.mark.parametrize("record, table, others", RECORDS, ids=lambda r: getattr(r, "__name__", ""))
def test_record_agrees_with_its_table(
    record: type, table: tuple[Setting, ...], others: set[str]
) -> None:
    assert mismatches(record, table, others) == []


def test_a_drifted_record_is_caught() -> None:
    """The check above fails for each kind of drift: a default, a type, a name missing or extra."""

    @dataclasses.dataclass(frozen=True)
    class Drifted:
        allow_networks: tuple[str, ...] = ()
        per_host: int = 3  # declared 2
        host_delay: int = 0  # declared float
        retries: int = 2
        respect_robots: bool = True
        contact: str = ""  # declared contact_url
        ca_file: Path | None = None

    assert mismatches(Drifted, FETCH, set()) == [
        "contact: a field, but no setting",
        "contact_url: a setting, but no field",
        "per_host: default 3, declared 2",
        "host_delay: field type <class 'int'>, setting type float",
        "host_delay: default 0, declared 0.1",
    ]


def test_an_empty_config_holds_every_declared_default(tmp_path: Path) -> None:
    """Each setting reaches its record under its own name, with its declared default."""
    config = parse_config({}, tmp_path / "feeds.toml")
    records = [
        (config, SETTINGS),
        (config.fetch, FETCH),
        (config.topics, TOPICS),
    ]
    for record, table in records:
        hints = get_type_hints(type(record))
        for setting in table:
            if not _is_path(hints[setting.field]):
                held = getattr(record, setting.field)
                assert held == record_value(setting.default), setting.name
    assert config.output_dir == tmp_path / "output"
    assert config.template_dir is None and config.fetch.ca_file is None


def test_a_renamed_setting_reaches_its_field(tmp_path: Path) -> None:
    """[email] `from` is no Python name: the record holds it as `sender`."""
    email = {"to": ["a@example.org"], "from": "Desk <desk@example.org>", "smtp_port": 2525}
    config = parse_config({"email": email}, tmp_path / "feeds.toml")
    assert config.email is not None
    assert (config.email.sender, config.email.to) == (email["from"], ("a@example.org",))
    assert (config.email.smtp_port, config.email.timeout) == (2525, 30.0)
