"""The optional tables: [email] (where and how the edition is sent), [fetch] and [topics]."""

from __future__ import annotations

import ipaddress
import re
import ssl
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from .schema import build
from .settings import (
    EMAIL,
    FETCH,
    LLM,
    SECURITY,
    TOPICS,
    EmailConfig,
    FetchConfig,
    LlmConfig,
    TopicsConfig,
)
from .values import _reject_unknown, _table, _typed, check_url_text, is_http_url


def _parse_email(raw: Any, path: Path) -> EmailConfig:
    table = _table(raw, path, "[email]")
    _reject_unknown(table, {s.name for s in EMAIL}, path, where="[email]")
    v = _typed(table, EMAIL, path, where="email.")
    if not v["to"]:
        raise ConfigError("'email.to' names no recipient", path=path, key="email.to")
    for address in (*v["to"], v["from"]):
        _check_address(address, path)
    if v["security"] not in SECURITY:
        raise ConfigError(
            f"unknown security '{v['security']}'",
            path=path,
            key="email.security",
            hint=f"choose from {', '.join(SECURITY)}",
        )
    _check_plain_smtp(v, path)
    try:
        v["subject"].format(subject="", title="", date="")
    except (KeyError, IndexError, ValueError) as exc:
        raise ConfigError(
            f"'email.subject' has an unknown placeholder: {exc}",
            path=path,
            key="email.subject",
            hint="use {subject}, {title} and {date}",
        ) from None
    ca_file = (path.parent / v["ca_file"]).resolve() if v["ca_file"] else None
    if ca_file is not None:
        _check_ca_file(ca_file, path, "email.ca_file")
    return build(EmailConfig, EMAIL, v, ca_file=ca_file)


def _check_address(address: str, path: Path) -> None:
    from email.utils import parseaddr

    _, spec = parseaddr(address)
    # Header injection and typos are refused here, not discovered by the mail server at 6 am.
    well_formed = re.fullmatch(r"[^@\s<>,;]+@[^@\s<>,;]+\.\w+", spec)
    if "\r" in address or "\n" in address or not well_formed:
        raise ConfigError(
            f"'{address}' is not an e-mail address",
            path=path,
            key="email",
            hint="write 'name@example.org' or 'Name <name@example.org>'",
        )


def _check_plain_smtp(v: Mapping[str, Any], path: Path) -> None:
    """Without TLS, only a server on this machine, and never a password."""
    if v["security"] != "none":
        return
    if v["smtp_host"] not in ("localhost", "127.0.0.1", "::1"):
        raise ConfigError(
            "security 'none' is only for a server on this machine",
            path=path,
            key="email.security",
            hint="use 'starttls' or 'tls' for a remote server",
        )
    if v["username_env"] or v["password_env"]:
        raise ConfigError(
            "credentials are never sent without TLS",
            path=path,
            key="email.username_env",
            hint="use security 'starttls' or 'tls', or drop username_env and password_env",
        )


def _parse_fetch(raw: Any, path: Path) -> FetchConfig:
    table = _table(raw, path, "[fetch]")
    _reject_unknown(table, {s.name for s in FETCH}, path, where="[fetch]")
    v = _typed(table, FETCH, path, where="fetch.")
    v["allow_networks"] = check_networks(v["allow_networks"], path, "fetch.allow_networks")
    if v["per_host"] < 1 or v["host_delay"] < 0 or v["retries"] < 0:
        raise ConfigError(
            "'fetch.per_host' must be at least 1, host_delay and retries at least 0",
            path=path,
            key="fetch",
        )
    check_url_text(v["contact_url"], path, "fetch.contact_url")
    ca_file = (path.parent / v["ca_file"]).resolve() if v["ca_file"] else None
    if ca_file is not None:
        _check_ca_file(ca_file, path, "fetch.ca_file")
    return build(FetchConfig, FETCH, v, ca_file=ca_file)


def check_networks(networks: list[Any], path: Path, key: str, label: str = "") -> tuple[str, ...]:
    """An `allow_networks` list, each item checked to be an address or a CIDR block."""
    for network in networks:
        try:
            ipaddress.ip_network(network if isinstance(network, str) else "?", strict=False)
        except ValueError:
            raise ConfigError(
                f"{label}'{network}' in '{key}' is not a network",
                path=path,
                key=key,
                hint="write an address or a CIDR block: '127.0.0.1/32', '10.1.0.0/16'",
            ) from None
    return tuple(networks)


def _check_ca_file(ca_file: Path, path: Path, key: str) -> None:
    """A CA file must exist and hold PEM certificates: found now, not at the first https feed."""
    if not ca_file.is_file():
        raise ConfigError(f"'{key}' names {ca_file}, which is not a file", path=path, key=key)
    try:
        ssl.create_default_context().load_verify_locations(cafile=str(ca_file))
    except (ssl.SSLError, ValueError, UnicodeDecodeError):
        raise ConfigError(
            f"'{key}' names {ca_file}, which holds no PEM certificate", path=path, key=key
        ) from None


def _parse_topics(raw: Any, path: Path) -> TopicsConfig:
    table = _table(raw, path, "[topics]")
    _reject_unknown(table, {s.name for s in TOPICS}, path, where="[topics]")
    v = _typed(table, TOPICS, path, where="topics.")
    for section, words in v["rules"].items():
        if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
            raise ConfigError(
                f"'topics.rules.{section}' must be a list of words",
                path=path,
                key=f"topics.rules.{section}",
                hint='e.g. Technology = ["software", "chip"]',
            )
    if v["history_days"] < 0:
        raise ConfigError("'topics.history_days' must be 0 or more", path=path, key="history_days")
    return build(TopicsConfig, TOPICS, v)


def _parse_llm(raw: Any, path: Path) -> LlmConfig | None:
    """The [llm] table; None when it names no url (LLM summaries are off)."""
    table = _table(raw, path, "[llm]")
    _reject_unknown(table, {s.name for s in LLM}, path, where="[llm]")
    v = _typed(table, LLM, path, where="llm.")
    if not v["url"]:
        return None
    check_url_text(v["url"], path, "llm.url")
    if not is_http_url(v["url"]):
        raise ConfigError(
            f"'llm.url' is not an http(s) URL: '{v['url']}'",
            path=path,
            key="llm.url",
            hint="e.g. 'http://127.0.0.1:8080/v1' for a local llama.cpp server",
        )
    if not v["model"].strip():
        raise ConfigError(
            "'llm.model' is required with 'llm.url'",
            path=path,
            key="llm.model",
            hint="the model's name as the server knows it, e.g. 'llama3.1:8b' for Ollama",
        )
    # Upper case only: a key pasted here by mistake would otherwise be shown in every message
    # that names the variable.
    if v["api_key_env"] and not re.fullmatch(r"[A-Z_][A-Z0-9_]{0,63}", v["api_key_env"]):
        raise ConfigError(
            "'llm.api_key_env' is the name of an environment variable (A-Z, 0-9, _), not the key",
            path=path,
            key="llm.api_key_env",
            hint='e.g. api_key_env = "OPENAI_API_KEY"; the key itself stays in the environment',
        )
    return build(LlmConfig, LLM, v)
