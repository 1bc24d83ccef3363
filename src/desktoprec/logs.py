"""Logging to the user log folder, with a filter that keeps tokens and auth codes out of every log.

Redaction works in three layers, because no single one catches everything:
1. patterns: `Bearer …`, `Basic …`, and secret-named fields in JSON, Python reprs, form bodies and
   URLs (`access_token`, `refresh_token`, `code`, `code_verifier`, `client_secret` …);
2. the live secrets themselves: the token store calls `register_secret(value)` for every token it
   holds, and any later appearance of that exact text is replaced, whatever surrounds it;
3. long opaque strings (80+ characters of mixed-case letters and digits) that look like tokens.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
import sys
import threading
import traceback
from pathlib import Path
from types import TracebackType

REDACTED = "[redacted]"

# Characters a token, code or verifier can be made of, including URL-encoded forms (%2F).
_TOKEN_CHARS = r"[A-Za-z0-9._~+/=%-]"
_SECRET_KEYS = (
    "access_token|refresh_token|id_token|code_verifier|code_challenge|client_secret|"
    "auth_code|code|token|secret|password"
)
_SECRET_PATTERNS = [
    # Authorization headers, wherever they appear.
    re.compile(r"(?i)\b((?:bearer|basic)\s+)" + _TOKEN_CHARS + r"{6,}"),
    # key = value, key: value, "key": "value", 'key': 'value', key=value&… (URLs and form bodies).
    # The key must not be the tail of a longer word: `status_code=404` or `barcode=` stay readable.
    re.compile(
        r"(?i)(?<![A-Za-z0-9_])"
        r"([\"']?(?:" + _SECRET_KEYS + r")[\"']?\s*[:=]\s*[\"']?)"
        + _TOKEN_CHARS + r"{6,}"
    ),
    # Keyword arguments in reprs and bytes reprs: access_token=b'…'.
    re.compile(
        r"(?i)(?<![A-Za-z0-9_])((?:" + _SECRET_KEYS + r")\s*=\s*b?[\"'])" + _TOKEN_CHARS + r"{6,}"
    ),
]
# Opaque, long, mixed-case-and-digit runs: what OAuth tokens look like when logged bare.
_OPAQUE_RUN = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{80,}(?![A-Za-z0-9_-])")

_MIN_REGISTERED_LENGTH = 8
_registered: set[str] = set()
_registered_lock = threading.Lock()


def register_secret(value: str | None) -> None:
    """Make `value` disappear from every log line from now on (tokens, codes, verifiers).

    Values shorter than 8 characters are ignored: they would redact ordinary words.
    """
    if value and len(value) >= _MIN_REGISTERED_LENGTH:
        with _registered_lock:
            _registered.add(value)


def forget_secrets() -> None:
    """Drop every registered secret (used after sign-out and by tests)."""
    with _registered_lock:
        _registered.clear()


def _looks_opaque(match: re.Match[str]) -> str:
    run = match.group(0)
    has_upper = any(c.isupper() for c in run)
    has_lower = any(c.islower() for c in run)
    has_digit = any(c.isdigit() for c in run)
    return REDACTED if has_upper and has_lower and has_digit else run


def redact(text: str) -> str:
    """Replace anything that is, or looks like, a token, authorization code or secret."""
    if not text:
        return text
    with _registered_lock:
        known = sorted(_registered, key=len, reverse=True)
    for value in known:
        if value in text:
            text = text.replace(value, REDACTED)
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
    return _OPAQUE_RUN.sub(_looks_opaque, text)


def format_exception_redacted(
    exc_info: tuple[type[BaseException], BaseException, TracebackType | None]
    | BaseException,
) -> str:
    """A traceback (with its chained causes) as text, with secrets removed: for crash reports."""
    if isinstance(exc_info, BaseException):
        text = "".join(traceback.format_exception(exc_info))
    else:
        text = "".join(traceback.format_exception(*exc_info))
    return redact(text)


class RedactingFilter(logging.Filter):
    """Rewrites each record's message, traceback and stack text with secrets redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string must not lose the record
            message = f"{record.msg} {record.args!r}"
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            try:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            except Exception:  # noqa: BLE001 - a broken __str__ must not lose the record
                record.exc_text = f"{record.exc_info[0]!r} (traceback could not be formatted)"
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
            # The formatter would format exc_info again and bypass the redaction: drop it.
            record.exc_info = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def install_redaction(handler: logging.Handler) -> logging.Handler:
    """Add the redacting filter to a handler (e.g. one the UI adds for its log view)."""
    if not any(isinstance(f, RedactingFilter) for f in handler.filters):
        handler.addFilter(RedactingFilter())
    return handler


_configured = False


def configure_logging(log_file: Path, *, debug: bool = False, console: bool = False) -> str | None:
    """Send everything to a rotating file (and, with --debug, to stderr); redact secrets.

    A log file that cannot be written (read-only or full profile, a file where the folder should
    be) is no reason to stop: the app runs without file logs and the returned one-line warning
    says so (None when the file is in use)."""
    global _configured
    root = logging.getLogger()
    if _configured:
        root.setLevel(logging.DEBUG if debug else logging.INFO)
        return None
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    warning = None
    try:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            log_file, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError as exc:
        warning = (f"logs are not written: {log_file} cannot be opened "
                   f"({exc.strerror or type(exc).__name__}); running without a log file")
    else:
        handler.setFormatter(fmt)
        install_redaction(handler)
        root.addHandler(handler)
    if console or debug:
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(fmt)
        install_redaction(stream)
        stream.setLevel(logging.DEBUG if debug else logging.WARNING)
        root.addHandler(stream)
    # Handlers that already existed (a test harness, an embedding app) get the filter too.
    for existing in root.handlers:
        install_redaction(existing)
    # Python warnings go through logging as well, so they are redacted and end up in the file.
    logging.captureWarnings(True)
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    for noisy in ("urllib3", "httpx", "httpcore", "PIL", "matplotlib"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if warning is not None:
        # without a file, a record must not fall through to logging's last-resort stderr
        # handler (a warning there would print in the middle of a command's output)
        root.addHandler(logging.NullHandler())
    _configured = True
    return warning
