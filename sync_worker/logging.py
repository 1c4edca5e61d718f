"""Logging set-up: one JSON object per line for the machines, one readable line on a
terminal, the context of the work in hand on every line, and no secret on any.

The context (tenant, kind, number, message id, task id, attempt, step) lives in a context
variable: the worker binds it from Celery's task signals and the runner once it has read
the message (`bind`), and every record logged meanwhile carries it, Celery's own too.
`SYNC_LOG_FORMAT` chooses the format: `json`, `text`, or `auto` (text on a terminal).
"""

from __future__ import annotations

import contextvars
import logging
import re
import sys
from typing import Any, TextIO

from pythonjsonlogger.json import JsonFormatter

# A bearer token, a Basic credential or a key=value secret never reaches a handler.
_SECRET_PATTERNS = [
    re.compile(r"(?i)(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"),
    re.compile(
        r"(?i)((?:client|application|subscription)[_-]?key|password|access_token|secret)"
        r"(['\"]?\s*[:=]\s*['\"]?)[^\s'\",}]+"
    ),
]

# What a line may say of the work in hand, in this order; ids and numbers, never a payload.
CONTEXT_FIELDS = ("tenant", "kind", "number", "message_id", "task_id", "attempt", "step")

# (name, value) pairs: a context variable's default must not be mutable.
_context: contextvars.ContextVar[tuple[tuple[str, Any], ...]] = contextvars.ContextVar(
    "sync_worker_log_context", default=()
)


def redact(text: str) -> str:
    text = _SECRET_PATTERNS[0].sub(r"\1 [redacted]", text)
    return _SECRET_PATTERNS[1].sub(r"\1\2[redacted]", text)


def bind(**fields: Any) -> None:
    """Add `fields` (of `CONTEXT_FIELDS`) to the context of every line logged from here on;
    a None value leaves the field out."""
    unknown = set(fields) - set(CONTEXT_FIELDS)
    if unknown:
        raise ValueError(f"not a log context field: {', '.join(sorted(unknown))}")
    merged = {**dict(_context.get()), **fields}
    _context.set(tuple((name, value) for name, value in merged.items() if value is not None))


def clear_context() -> None:
    """Forget the context: the work it described is over."""
    _context.set(())


def bound_context() -> dict[str, Any]:
    """The fields bound now, in `CONTEXT_FIELDS` order."""
    current = dict(_context.get())
    return {name: current[name] for name in CONTEXT_FIELDS if name in current}


class RedactingFilter(logging.Filter):
    """Secrets out of the message; the formatters take them out of every field and the
    exception's text too."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class ContextFilter(logging.Filter):
    """Puts the bound context on the record, for either formatter to show."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in bound_context().items():
            if not hasattr(record, name):
                setattr(record, name, value)
        return True


def _redacted(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list | tuple):
        return [_redacted(item) for item in value]
    if isinstance(value, dict):
        return {key: _redacted(item) for key, item in value.items()}
    return value


class JsonLineFormatter(JsonFormatter):
    """One JSON object per line: time, level, logger, message, the context, and the
    exception's traceback when there is one; every string field redacted."""

    def __init__(self) -> None:
        super().__init__(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            timestamp=False,
        )

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        data = log_data.get("data")
        if isinstance(data, dict) and "traceback" in data:
            # Celery's task failures carry their traceback in `data` as well: the one in
            # `exc_info` is enough, and an expected failure (`throws`) is shown without one.
            log_data["data"] = {key: value for key, value in data.items() if key != "traceback"}
        return {key: _redacted(value) for key, value in log_data.items()}


class TextFormatter(logging.Formatter):
    """A line for a person: the context in brackets after the message."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        # The traceback too: another handler may have cached its text (`exc_text`) unredacted.
        line = redact(super().format(record))
        context = " ".join(
            f"{name}={getattr(record, name)}" for name in CONTEXT_FIELDS if hasattr(record, name)
        )
        first, newline, rest = line.partition("\n")
        return f"{first} [{context}]{newline}{rest}" if context else line


def use_json(log_format: str, stream: TextIO) -> bool:
    """JSON unless told `text`, or left `auto` on a terminal."""
    if log_format == "auto":
        return not (hasattr(stream, "isatty") and stream.isatty())
    return log_format == "json"


def configure_logging(level: str = "INFO", log_format: str = "auto") -> None:
    """One line per event on stderr, in context, secrets redacted; idempotent."""
    root = logging.getLogger()
    if any(isinstance(f, RedactingFilter) for h in root.handlers for f in h.filters):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonLineFormatter() if use_json(log_format, handler.stream) else TextFormatter()
    )
    handler.addFilter(RedactingFilter())
    handler.addFilter(ContextFilter())
    root.addHandler(handler)
    root.setLevel(level)
