"""Logging to the user log folder, with a filter that keeps tokens and auth codes out of every log."""

from __future__ import annotations

import logging
import logging.handlers
import re
from pathlib import Path

# Bearer tokens, token fields in JSON or form bodies, and `code=` in callback URLs.
_SECRET_PATTERNS = [
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{8,}"),
    re.compile(
        r"(?i)([\"']?(?:access_token|refresh_token|code_verifier|code|id_token)[\"']?\s*[:=]\s*[\"']?)"
        r"[A-Za-z0-9._~+/=-]{6,}"
    ),
]
REDACTED = "[redacted]"


def redact(text: str) -> str:
    """Replace anything that looks like a token or authorization code."""
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
    return text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the record
            message = str(record.msg)
        clean = redact(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        record.msg, record.args = clean, None
        return True


_configured = False


def configure_logging(log_file: Path, *, debug: bool = False, console: bool = False) -> None:
    """Send everything to a rotating file (and, with --debug, to stderr); redact secrets."""
    global _configured
    root = logging.getLogger()
    if _configured:
        root.setLevel(logging.DEBUG if debug else logging.INFO)
        return
    log_file.parent.mkdir(parents=True, exist_ok=True)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    redactor = RedactingFilter()
    handler: logging.Handler = logging.handlers.RotatingFileHandler(
        log_file, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
    )
    handler.setFormatter(fmt)
    handler.addFilter(redactor)
    root.addHandler(handler)
    if console or debug:
        stream = logging.StreamHandler()
        stream.setFormatter(fmt)
        stream.addFilter(redactor)
        stream.setLevel(logging.DEBUG if debug else logging.WARNING)
        root.addHandler(stream)
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    for noisy in ("numba", "urllib3", "httpx", "httpcore", "PIL", "matplotlib"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    _configured = True
