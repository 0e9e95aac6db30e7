"""The SMTP connection: TLS and login, and each failure sorted into worth retrying or not."""

from __future__ import annotations

import contextlib
import os
import smtplib
import ssl

from ..config import EmailConfig
from ..errors import DeliveryError


class Transient(Exception):
    """A failure worth another attempt: 4xx, a refused or dropped connection before DATA."""


class Permanent(Exception):
    """A failure no retry will fix: 5xx, bad credentials, no TLS, an unverified certificate."""


def connect(config: EmailConfig) -> smtplib.SMTP:
    """A connection, in TLS unless security is 'none', logged in if a user is configured."""
    user, password = _credentials(config)
    context = ssl.create_default_context(cafile=str(config.ca_file) if config.ca_file else None)
    host, port, timeout = config.smtp_host, config.smtp_port, config.timeout
    smtp: smtplib.SMTP | None = None
    try:
        if config.security == "tls":
            smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
        smtp.ehlo()
        if config.security == "starttls":
            if not smtp.has_extn("starttls"):
                raise Permanent(f"{host}:{port} does not offer STARTTLS; nothing was sent")
            smtp.starttls(context=context)
            smtp.ehlo()
        if user:
            smtp.login(user, password)
        return smtp
    except BaseException as exc:
        if smtp is not None:
            smtp.close()
        raise _classify(exc, host, port) from None


def _classify(exc: BaseException, host: str, port: int) -> BaseException:
    """Sort a connection-time failure into worth retrying or not; anything else passes."""
    where = f"{host}:{port}"
    if isinstance(exc, Transient | Permanent):
        return exc
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        reply = reply_text(exc.smtp_code, exc.smtp_error)
        return Permanent(f"{where} refused the credentials ({reply})")
    if isinstance(exc, ssl.SSLCertVerificationError):
        return Permanent(f"{where}: certificate not trusted ({exc.verify_message}); see ca_file")
    if isinstance(exc, smtplib.SMTPResponseException):
        kind = Transient if 400 <= exc.smtp_code < 500 else Permanent
        return kind(f"{where}: {reply_text(exc.smtp_code, exc.smtp_error)}")
    if isinstance(exc, smtplib.SMTPException | OSError):
        return Transient(f"{where}: {exc or type(exc).__name__}")
    return exc


def _credentials(config: EmailConfig) -> tuple[str, str]:
    """The user and password from the environment variables the config names."""
    if not config.username_env:
        return "", ""
    values = []
    for name in (config.username_env, config.password_env):
        value = os.environ.get(name) if name else None
        if value is None:
            raise DeliveryError(
                f"the environment variable {name or '(password_env)'} is not set: [email] names "
                "the variables that hold the SMTP user name and password"
            )
        values.append(value)
    return values[0], values[1]


def close_politely(smtp: smtplib.SMTP) -> None:
    """Say goodbye if the server still listens: every outcome is already recorded."""
    with contextlib.suppress(smtplib.SMTPException, OSError):
        smtp.quit()
    smtp.close()


def reset(smtp: smtplib.SMTP) -> bool:
    """End a refused transaction; False when the server has closed the connection meanwhile."""
    try:
        smtp.rset()
    except (smtplib.SMTPException, OSError):
        return False
    return True


def check(code: int, reply: bytes | str, *, step: str) -> None:
    if 400 <= code < 500:
        raise Transient(reply_text(code, reply, step))
    if code >= 500:
        raise Permanent(reply_text(code, reply, step))


def reply_text(code: int, reply: bytes | str, step: str = "") -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    where = f" at {step}" if step else ""
    return f"{code} {' '.join(text.split())}{where}"
