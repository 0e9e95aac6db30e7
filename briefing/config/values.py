"""Reading the TOML file, and checking a table's keys and types against declared settings."""

from __future__ import annotations

import difflib
import importlib.util
import math
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..errors import ConfigError
from .schema import Setting


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            "config file not found", path=path, hint="pass --config PATH, or copy feeds.toml"
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file: {exc.strerror}", path=path) from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError("config file is not UTF-8 text", path=path) from None
    except tomllib.TOMLDecodeError as exc:
        line = _toml_error_line(str(exc))
        raise ConfigError(
            f"not valid TOML: {exc}", path=path, line=line, hint="check quotes and brackets"
        ) from None


def _toml_error_line(message: str) -> int | None:
    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else None


def is_http_url(url: str) -> bool:
    """Whether a configured URL is absolute http(s): feeds, the LLM endpoint, the site."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def check_url_text(url: str, path: Path, key: str, where: str = "") -> None:
    """Refuse a URL holding white space or a control character.

    urllib drops tabs, CR and LF without a word, so the URL fetched would not be the one
    written; a space is a pasting mistake; and a CR or LF in the User-Agent's contact URL would
    split the request's headers.
    """
    bad = next((c for c in url if c.isspace() or not c.isprintable()), None)
    if bad is not None:
        raise ConfigError(
            f"{where}'{key}' holds {_char_name(bad)} at position {url.index(bad) + 1}: {url!r}",
            path=path,
            key=key,
            hint="write the URL on one line without spaces; encode a space as %20",
        )


def _char_name(char: str) -> str:
    return "a space" if char == " " else f"the control character U+{ord(char):04X}"


def _table(value: Any, path: Path, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where} must be a table", path=path, key=where.strip("[]"))
    return value


def _reject_unknown(data: Mapping[str, Any], known: set[str], path: Path, where: str) -> None:
    for key in data:
        if key in known:
            continue
        close = difflib.get_close_matches(key, sorted(known), n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"known keys: {', '.join(sorted(known))}"
        raise ConfigError(f"unknown key '{key}' in {where}", path=path, key=key, hint=hint)


def _typed(
    data: Mapping[str, Any], settings: tuple[Setting, ...], path: Path, where: str
) -> dict[str, Any]:
    """Each declared setting's value, checked for type, or its default."""
    values: dict[str, Any] = {}
    for setting in settings:
        if setting.name not in data:
            if setting.required:
                raise ConfigError(
                    f"missing required key '{setting.name}' in {where.rstrip('.') or 'top level'}",
                    path=path,
                    key=setting.name,
                    hint=setting.help,
                )
            values[setting.name] = setting.default
            continue
        values[setting.name] = _coerce(data[setting.name], setting, path, where)
    return values


def _coerce(value: Any, setting: Setting, path: Path, where: str) -> Any:
    expected = setting.type
    # TOML integers are fine where a float is expected; booleans are not numbers here.
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        return _bounded(float(value), setting, path, where)
    if expected is float and isinstance(value, float) and not math.isfinite(value):
        # TOML spells nan and inf; neither is a length of time or a limit.
        raise _type_error(setting, value, path, where, "a finite number")
    if isinstance(value, expected) and not (expected is int and isinstance(value, bool)):
        if isinstance(value, int | float):
            return _bounded(value, setting, path, where)
        if isinstance(value, list) and not all(isinstance(v, str) for v in value):
            raise _type_error(setting, value, path, where, "a list of strings")
        return value
    raise _type_error(setting, value, path, where, expected.__name__)


def _type_error(setting: Setting, value: Any, path: Path, where: str, wanted: str) -> ConfigError:
    got = type(value).__name__
    return ConfigError(
        f"'{where}{setting.name}' must be {wanted}, not {got} ({value!r})",
        path=path,
        key=f"{where}{setting.name}",
        hint=setting.help,
    )


def _bounded(value: float, setting: Setting, path: Path, where: str) -> float:
    """The value, if it keeps to the bounds its setting declares."""
    name = f"{where}{setting.name}"
    if setting.above is not None and value <= setting.above:
        raise ConfigError(f"'{name}' must be greater than {setting.above:g}", path=path, key=name)
    if setting.minimum is not None and value < setting.minimum:
        raise ConfigError(
            f"'{name}' must be at least {setting.minimum:g}", path=path, key=name, hint=setting.help
        )
    if setting.maximum is not None and value > setting.maximum:
        raise ConfigError(
            f"'{name}' must be at most {setting.maximum:g}", path=path, key=name, hint=setting.help
        )
    return value


LOCAL = "processes"  # executor: pages extracted in worker processes here
DASK = "dask://"  # executor: pages sent to the Dask scheduler at this address


def executor_problem(value: str) -> str | None:
    """Why `value` is not a usable executor setting, or None when it is."""
    if value == LOCAL:
        return None
    if not value.startswith(DASK):
        return f"unknown executor '{value}'"
    parts = urlsplit(value)
    try:
        port = parts.port
    except ValueError:
        port = None
    if not parts.hostname or port is None:
        return f"executor '{value}' names no host and port"
    if importlib.util.find_spec("distributed") is None:
        return "executor 'dask://...' needs Dask, which is not installed"
    return None
