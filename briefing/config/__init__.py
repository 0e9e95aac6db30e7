"""Read `feeds.toml` and check it against the one declared table of settings.

Every setting is declared once, in SETTINGS (top level), DEFAULTS (what a feed inherits from
[defaults]) and FEED (what only a [[feeds]] entry holds). Defaults, validation, `briefing check`
and the README's settings reference all come from these tables.

How a setting is declared lives in `schema`; the tables and the records they validate into in
`settings`; reading and type-checking a table in `values`; the checks of the top level and of
[[feeds]] in `loading`; the optional [email], [fetch], [topics] and [llm] tables in `tables`.
A record takes its defaults from its table and is built from it (`schema.build`), so a new
setting is one `Setting(...)` and the typed field that holds it, and a test checks they agree.
"""

from __future__ import annotations

from .loading import load_config, parse_config
from .schema import Setting
from .settings import (
    DEFAULTS,
    EMAIL,
    FEED,
    FETCH,
    FORMATS,
    LLM,
    PAGE_SIZES,
    SECURITY,
    SETTINGS,
    TABLES,
    TOPICS,
    Config,
    EmailConfig,
    FetchConfig,
    LlmConfig,
    TopicsConfig,
    settings_reference,
)

__all__ = [
    "DEFAULTS",
    "EMAIL",
    "FEED",
    "FETCH",
    "FORMATS",
    "LLM",
    "PAGE_SIZES",
    "SECURITY",
    "SETTINGS",
    "TABLES",
    "TOPICS",
    "Config",
    "EmailConfig",
    "FetchConfig",
    "LlmConfig",
    "Setting",
    "TopicsConfig",
    "load_config",
    "parse_config",
    "settings_reference",
]
