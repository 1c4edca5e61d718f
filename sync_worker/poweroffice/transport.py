"""HTTP transport: one pooled session per process, and THE mapping from answers to errors.

Everything above this module sees either an `ApiResponse` (2xx/3xx) or an exception from
`sync_worker.errors`; the Celery tasks decide from the exception's class alone whether to
retry. Messages name the operation ("POST /Vouchers/OutgoingInvoiceJournals") and what
PowerOffice Go said; they are built from the answer only, never from the request headers,
so no key or token can end up in one.
"""

from __future__ import annotations

import email.utils
import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import requests
from requests.adapters import HTTPAdapter

from sync_worker.errors import (
    AlreadyExists,
    ApiRejected,
    AuthenticationFailed,
    NotFound,
    RateLimited,
    SyncError,
    TransientError,
)
from sync_worker.poweroffice import codec

# Threads of one worker process (and the token renewal) share the pool; 10 req/s for the
# whole platform means a small pool is plenty.
POOL_SIZE = 16
WRONG_KEY_HINT = (
    "the client key is wrong, or it belongs to the other PowerOffice Go environment "
    "(demo vs production) than POGO_TOKEN_URL / POGO_API_BASE_URL"
)

_session: requests.Session | None = None
_session_lock = threading.Lock()


@dataclass(frozen=True)
class ApiResponse:
    """What came back: status, headers and the raw body; `data` parses it."""

    status: int
    headers: Mapping[str, str]
    content: bytes

    @property
    def data(self) -> Any:
        """The JSON body (floats as Decimal), or None when the body is empty."""
        return codec.decode(self.content)

    @property
    def items(self) -> list[dict]:
        """A list endpoint's rows; 204 (nothing matched) is an empty list."""
        return self.data or []


def session() -> requests.Session:
    """The process's session, created on first use so a forked worker makes its own."""
    global _session
    with _session_lock:
        if _session is None:
            _session = _new_session()
        return _session


def _new_session() -> requests.Session:
    new = requests.Session()
    # Retries are decided above (401 once, 429 after Retry-After, the rest by the task).
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=POOL_SIZE, max_retries=0)
    new.mount("https://", adapter)
    new.mount("http://", adapter)
    return new


def _forget_session_in_child() -> None:
    # Pooled sockets and a possibly held lock must not cross a fork (Celery prefork).
    global _session, _session_lock
    _session = None
    _session_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_session_in_child)


def send(method: str, url: str, *, operation: str, timeout: float, **kwargs: Any) -> ApiResponse:
    """One HTTP exchange. No answer at all raises `TransientError`; statuses are not checked."""
    try:
        response = session().request(method, url, timeout=timeout, **kwargs)
    except requests.RequestException as exc:
        raise error_for(operation, exc) from exc
    return ApiResponse(response.status_code, response.headers, response.content)


def raise_for_status(
    operation: str, response: ApiResponse, *, token_endpoint: bool = False
) -> None:
    """Raise the error `response` stands for, if any."""
    error = error_for(operation, response, token_endpoint=token_endpoint)
    if error is not None:
        raise error


def error_for(
    operation: str,
    outcome: ApiResponse | requests.RequestException,
    *,
    token_endpoint: bool = False,
) -> SyncError | None:
    """The one place that turns an outcome into the error hierarchy; None means success."""
    if isinstance(outcome, requests.Timeout):
        return TransientError(f"{operation}: no answer from PowerOffice Go in time")
    if isinstance(outcome, requests.RequestException):
        return TransientError(f"{operation}: connection failed ({type(outcome).__name__})")
    status = outcome.status
    if status < 400:
        return None
    problem = _problem(outcome.content)
    message = f"{operation}: {status} {problem.summary}".rstrip()
    details = {"http_status": status, "detail": problem.detail or None}
    if status == 429:
        return RateLimited(message, retry_after=retry_after(outcome.headers), **details)
    if status >= 500:
        return TransientError(message, **details)
    if problem.code == "invalid_client" or (token_endpoint and status == 401):
        return AuthenticationFailed(f"{message} ({WRONG_KEY_HINT})", **details)
    if status == 400 and "already in use" in problem.detail.lower():
        return AlreadyExists(message, **details)
    if status == 404:
        return NotFound(message, **details)
    return ApiRejected(message, **details)


def retry_after(headers: Mapping[str, str]) -> float:
    """Seconds to wait after a 429: `Retry-After` (seconds or HTTP date), at least 1."""
    value = (headers.get("Retry-After") or "").strip()
    try:
        seconds = float(value)
    except ValueError:
        seconds = _seconds_until(value)
    return max(1.0, seconds)


def _seconds_until(http_date: str) -> float:
    try:
        moment = email.utils.parsedate_to_datetime(http_date)
    except (TypeError, ValueError):
        return 1.0
    return moment.timestamp() - time.time()


class _Problem(NamedTuple):
    title: str
    detail: str
    code: str  # OAuth's "error" (invalid_client); empty for ProblemDetails

    @property
    def summary(self) -> str:
        return ": ".join(part for part in (self.title, self.detail) if part)


def _problem(content: bytes) -> _Problem:
    """Read ProblemDetails (either key casing), an OAuth error, or an APIM gateway error."""
    try:
        body = codec.decode(content)
    except ValueError:
        return _Problem("", " ".join(content.decode("utf-8", "replace").split())[:300], "")
    if not isinstance(body, dict):
        return _Problem("", "", "")
    fields = {str(key).lower(): value for key, value in body.items()}
    detail = fields.get("detail") or fields.get("error_description") or fields.get("message")
    title = fields.get("title") or fields.get("error") or ""
    detail_text = " ".join(filter(None, [str(detail or ""), _validation(fields.get("errors"))]))
    return _Problem(str(title), detail_text, str(fields.get("error") or ""))


def _validation(errors: Any) -> str:
    # ASP.NET validation ProblemDetails list messages per field under "errors".
    if not isinstance(errors, dict):
        return ""
    return "; ".join(f"{name}: {_joined(messages)}" for name, messages in errors.items())


def _joined(messages: Any) -> str:
    return " ".join(map(str, messages)) if isinstance(messages, list) else str(messages)
