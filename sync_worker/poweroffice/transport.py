"""HTTP transport: one pooled session per process, and THE mapping from answers to errors.

Everything above this module sees either an `ApiResponse` (2xx/3xx) or an exception from
`sync_worker.errors`; the Celery tasks decide from the exception's class alone whether to
retry. Messages name the operation ("POST /Vouchers/OutgoingInvoiceJournals") and what
PowerOffice Go said; they are built from the answer only, never from the request headers,
so no key or token can end up in one.

A success is only what PowerOffice Go answers for one. A gateway in front of it (Azure
API Management, a proxy) may answer 2xx with an HTML page, or pass on a body cut short;
reading such a body (`ApiResponse.data`, `items`, `record`, `expect_empty`) raises a
`TransientError` that names the operation and what came instead, never the body itself.
"""

from __future__ import annotations

import email.utils
import html
import os
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import requests
from requests.adapters import HTTPAdapter

from sync_worker import counters
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
    """What came back: status, headers and the raw body of `operation` ("GET /Customers");
    `data`, `items` and `record` read the body as PowerOffice Go's JSON."""

    status: int
    headers: Mapping[str, str]
    content: bytes
    operation: str = ""

    @property
    def media_type(self) -> str:
        """The Content-Type without its parameters, lower case; empty when not given."""
        return media_type(self.headers)

    @property
    def data(self) -> Any:
        """The JSON body (floats as Decimal), or None when the body is empty."""
        if not self.content.strip():
            return None
        kind = self._body_type()
        if kind and not is_json(kind):
            raise self.not_the_answer(f"{_described(kind)} instead of JSON")
        try:
            return codec.decode(self.content)
        except ValueError:
            raise self.not_the_answer("JSON that is cut off or malformed") from None

    @property
    def items(self) -> list[dict]:
        """A list endpoint's rows; 204 (nothing matched) is an empty list."""
        if self.status == 204:
            return []
        rows = self.data
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            raise self.not_the_answer(f"{_json_kind(rows)} instead of a list of rows")
        return rows

    def record(self, *fields: str) -> dict:
        """The JSON object of a success, holding every one of `fields` (e.g. the `Id` of
        what was created): an answer without them is not PowerOffice Go's."""
        body = self.data
        if not isinstance(body, dict):
            raise self.not_the_answer(f"{_json_kind(body)} instead of an object")
        missing = [name for name in fields if body.get(name) in (None, "")]
        if missing:
            raise self.not_the_answer(f"an object without {', '.join(missing)}")
        return body

    def expect_empty(self, *statuses: int) -> None:
        """Check the answer of an operation whose success is one of `statuses` with no body
        to read: anything else (a gateway's 200 with its page) did not do the work."""
        page = self.content.strip() and self._body_type() == HTML
        if self.status in statuses and not page:
            return
        body = f" with {_described(self._body_type())}" if self.content.strip() else ""
        wanted = " or ".join(map(str, statuses))
        raise TransientError(
            f"{self.operation}: {self.status}{body}, not the {wanted} PowerOffice Go answers "
            "for a success",
            http_status=self.status,
        )

    def not_the_answer(self, what: str) -> TransientError:
        """The error for a 2xx that is not what PowerOffice Go gives: a retry may get it."""
        return TransientError(
            f"{self.operation}: {self.status} with {what}, not PowerOffice Go's answer",
            http_status=self.status,
        )

    def _body_type(self) -> str:
        # A page sent without a Content-Type is still a page.
        return HTML if self.content.lstrip()[:1] == b"<" else self.media_type


HTML = "text/html"


def media_type(headers: Mapping[str, str]) -> str:
    """The Content-Type of `headers` (any key casing) without parameters, lower case."""
    value = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    return value.split(";", 1)[0].strip().lower()


def is_json(media: str) -> bool:
    """application/json, text/json, and every +json type (application/problem+json)."""
    return media in ("application/json", "text/json") or media.endswith("+json")


def _described(media: str) -> str:
    if media == HTML:
        return "an HTML page"
    return f"a body of type {media}" if media else "a body"


def _json_kind(value: Any) -> str:
    if value is None:
        return "an empty body"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list of values" if value else "an empty list"
    return "a JSON string" if isinstance(value, str) else "a JSON value"


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
        counters.poweroffice_call(operation, None)
        raise error_for(operation, exc) from exc
    counters.poweroffice_call(operation, response.status_code)
    return ApiResponse(response.status_code, response.headers, response.content, operation)


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
    problem = _problem(outcome.content, outcome.media_type)
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


def _problem(content: bytes, media: str = "") -> _Problem:
    """Read ProblemDetails (either key casing), an OAuth error, or an APIM gateway error.

    A page or a cut-off body is named by what it is (and an HTML page by its title), not
    repeated: it is not PowerOffice Go's explanation."""
    if media == HTML or content.lstrip()[:1] == b"<":
        return _Problem("", _page_summary(content), "")
    try:
        body = codec.decode(content)
    except ValueError:
        if is_json(media):
            return _Problem("", "JSON that is cut off or malformed", "")
        return _Problem("", " ".join(content.decode("utf-8", "replace").split())[:300], "")
    if not isinstance(body, dict):
        return _Problem("", "", "")
    fields = {str(key).lower(): value for key, value in body.items()}
    detail = fields.get("detail") or fields.get("error_description") or fields.get("message")
    title = fields.get("title") or fields.get("error") or ""
    detail_text = " ".join(filter(None, [str(detail or ""), _validation(fields.get("errors"))]))
    return _Problem(str(title), detail_text, str(fields.get("error") or ""))


_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
# Enough for "502 Bad Gateway - Microsoft Azure Application Gateway v2"; a page is no log.
TITLE_CHARACTERS = 100


def _page_summary(content: bytes) -> str:
    """'an HTML page, not PowerOffice Go's answer ("502 Bad Gateway")'."""
    summary = "an HTML page, not PowerOffice Go's answer"
    found = _TITLE.search(content[:4096])
    if found is None:
        return summary
    title = " ".join(html.unescape(found.group(1).decode("utf-8", "replace")).split())
    return f'{summary} ("{title[:TITLE_CHARACTERS]}")' if title else summary


def _validation(errors: Any) -> str:
    # ASP.NET validation ProblemDetails list messages per field under "errors".
    if not isinstance(errors, dict):
        return ""
    return "; ".join(f"{name}: {_joined(messages)}" for name, messages in errors.items())


def _joined(messages: Any) -> str:
    return " ".join(map(str, messages)) if isinstance(messages, list) else str(messages)
