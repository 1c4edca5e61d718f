"""Logging set-up, with a filter that keeps secrets out of every log line."""

from __future__ import annotations

import logging
import re

# A bearer token, a Basic credential or a key=value secret never reaches a handler.
_SECRET_PATTERNS = [
    re.compile(r"(?i)(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"),
    re.compile(
        r"(?i)((?:client|application|subscription)[_-]?key|password|access_token|secret)"
        r"(['\"]?\s*[:=]\s*['\"]?)[^\s'\",}]+"
    ),
]


def redact(text: str) -> str:
    text = _SECRET_PATTERNS[0].sub(r"\1 [redacted]", text)
    return _SECRET_PATTERNS[1].sub(r"\1\2[redacted]", text)


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def configure_logging(level: str = "INFO") -> None:
    """One line per event on stderr, secrets redacted; idempotent."""
    root = logging.getLogger()
    if any(isinstance(f, RedactingFilter) for h in root.handlers for f in h.filters):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root.addHandler(handler)
    root.setLevel(level)
