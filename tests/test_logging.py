"""Log lines: one JSON object each off a terminal, readable text on one, the bound context
on every line, and no secret on any, in the message, a field or an exception."""

from __future__ import annotations

import io
import json
import logging
import os
import pty
import subprocess
import sys
from collections.abc import Iterator

import pytest

from sync_worker import logging as sync_logging
from tests.support.worker import ROOT

TOKEN = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXBheWxvYWQ.s1gnatur3"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def handler_for(stream: io.StringIO, log_format: str) -> logging.Handler:
    """The handler `configure_logging` sets up, writing to `stream`."""
    handler = logging.StreamHandler(stream)
    json_lines = sync_logging.use_json(log_format, stream)
    handler.setFormatter(
        sync_logging.JsonLineFormatter() if json_lines else sync_logging.TextFormatter()
    )
    handler.addFilter(sync_logging.RedactingFilter())
    handler.addFilter(sync_logging.ContextFilter())
    return handler


@pytest.fixture
def logger() -> Iterator[logging.Logger]:
    logger = logging.getLogger("tests.logging")
    logger.propagate, logger.level = False, logging.DEBUG
    sync_logging.clear_context()
    yield logger
    logger.handlers.clear()
    sync_logging.clear_context()


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_json_line_carries_the_bound_context(logger):
    stream = io.StringIO()
    logger.addHandler(handler_for(stream, "auto"))
    sync_logging.bind(task_id="task-1", attempt=2, message_id="m-1")
    sync_logging.bind(tenant="acme", kind="invoice", number="10023", step="voucher")
    logger.warning("transfer of %s %s failed", "invoice", "10023")

    [line] = lines(stream)
    assert line["message"] == "transfer of invoice 10023 failed"
    assert (line["level"], line["logger"]) == ("WARNING", "tests.logging")
    assert line["time"]
    assert {name: line[name] for name in sync_logging.CONTEXT_FIELDS} == {
        "tenant": "acme",
        "kind": "invoice",
        "number": "10023",
        "message_id": "m-1",
        "task_id": "task-1",
        "attempt": 2,
        "step": "voucher",
    }


def test_the_context_ends_with_the_work(logger):
    stream = io.StringIO()
    logger.addHandler(handler_for(stream, "json"))
    sync_logging.bind(tenant="acme", task_id="task-1")
    sync_logging.clear_context()
    logger.info("between tasks")

    [line] = lines(stream)
    assert not set(sync_logging.CONTEXT_FIELDS) & set(line)


def test_only_context_fields_are_bound():
    with pytest.raises(ValueError, match="payload"):
        sync_logging.bind(payload={"lines": []})


def test_a_secret_is_redacted_from_a_json_message_field_and_exception(logger):
    stream = io.StringIO()
    logger.addHandler(handler_for(stream, "json"))
    logger.info("calling with Authorization: Bearer %s", TOKEN)
    logger.info("a field", extra={"headers": {"Authorization": f"Bearer {TOKEN}"}})
    try:
        raise RuntimeError(f"refused: Bearer {TOKEN} and client_key={TOKEN}")
    except RuntimeError:
        logger.exception("the call failed")

    text = stream.getvalue()
    assert TOKEN not in text
    message, field, failure = lines(stream)
    assert message["message"] == "calling with Authorization: Bearer [redacted]"
    assert field["headers"] == {"Authorization": "Bearer [redacted]"}
    assert (
        "RuntimeError: refused: Bearer [redacted] and client_key=[redacted]" in failure["exc_info"]
    )


def test_a_celery_failure_shows_its_traceback_once_and_an_expected_one_none(logger):
    stream = io.StringIO()
    logger.addHandler(handler_for(stream, "json"))
    data = {"id": "task-1", "exc": "WorkFailed('no VAT code')", "traceback": "Traceback ..."}
    logger.info("Task x[task-1] raised expected: %(exc)s", data, extra={"data": data})

    [line] = lines(stream)
    assert line["data"] == {"id": "task-1", "exc": "WorkFailed('no VAT code')"}
    assert "exc_info" not in line


def test_a_secret_is_redacted_from_a_text_exception(logger):
    stream = io.StringIO()
    logger.addHandler(handler_for(stream, "text"))
    try:
        raise RuntimeError(f"refused: Bearer {TOKEN}")
    except RuntimeError:
        logger.exception("the call failed")
    assert TOKEN not in stream.getvalue()
    assert "Bearer [redacted]" in stream.getvalue()


def test_a_terminal_gets_text_with_the_context_in_brackets(logger):
    stream = Terminal()
    logger.addHandler(handler_for(stream, "auto"))
    sync_logging.bind(tenant="acme", kind="invoice", number="10023", task_id="task-1")
    logger.info("posted")

    line = stream.getvalue().rstrip("\n")
    assert line.endswith(
        "INFO tests.logging: posted [tenant=acme kind=invoice number=10023 task_id=task-1]"
    )
    with pytest.raises(json.JSONDecodeError):
        json.loads(line)


@pytest.mark.parametrize(
    ("log_format", "tty", "expected"),
    [
        ("auto", True, False),
        ("auto", False, True),
        ("json", True, True),
        ("text", False, False),
    ],
)
def test_the_format_follows_the_setting_and_the_terminal(log_format, tty, expected):
    stream = Terminal() if tty else io.StringIO()
    assert sync_logging.use_json(log_format, stream) is expected


SCRIPT = """
import logging
from sync_worker.logging import bind, configure_logging
configure_logging("INFO", {log_format!r})
bind(tenant="acme", kind="invoice", number="10023")
logging.getLogger("probe").warning("hello")
"""


def run_configured(log_format: str, *, on_a_terminal: bool) -> str:
    """What a process that configured logging with `log_format` writes on its stderr."""
    command = [sys.executable, "-c", SCRIPT.format(log_format=log_format)]
    if not on_a_terminal:
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
        return result.stderr
    controller, terminal = pty.openpty()
    try:
        subprocess.run(command, cwd=ROOT, stderr=terminal, check=True)
        return os.read(controller, 65536).decode()
    finally:
        os.close(controller)
        os.close(terminal)


def test_a_process_logs_json_off_a_terminal_and_text_on_one():
    [line] = run_configured("auto", on_a_terminal=False).splitlines()
    assert json.loads(line)["tenant"] == "acme"

    shown = run_configured("auto", on_a_terminal=True)
    assert "WARNING probe: hello [tenant=acme kind=invoice number=10023]" in shown

    [forced] = run_configured("json", on_a_terminal=True).splitlines()
    assert json.loads(forced)["message"] == "hello"


def test_the_setting_is_read_and_checked(monkeypatch):
    from config.settings import SettingsError, load_settings

    monkeypatch.delenv("SYNC_LOG_FORMAT", raising=False)
    assert load_settings().log_format == "auto"
    monkeypatch.setenv("SYNC_LOG_FORMAT", "JSON")
    assert load_settings().log_format == "json"
    monkeypatch.setenv("SYNC_LOG_FORMAT", "xml")
    with pytest.raises(SettingsError, match="SYNC_LOG_FORMAT"):
        load_settings()
