"""The PowerOffice Go v2 client of one tenant (one client key).

Layers, bottom up: `transport` (HTTP, status → error), `ratelimit` (the platform-wide
budget), `auth` (bearer tokens), this module (one API call: token, slot, send, 401 and
429 handling), `paging`, and one thin module per resource under `resources/`.

Retries here are only the two that belong to the protocol: one new token after a 401,
and waiting out a 429. Every other error goes up to the Celery task, which decides.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from redis import Redis

from config.settings import Settings, get_settings
from sync_worker.errors import ApiRejected, RateLimited
from sync_worker.failures import infrastructure_failure
from sync_worker.poweroffice import codec, keys, paging, transport
from sync_worker.poweroffice.auth import TokenSource
from sync_worker.poweroffice.cache import LookupCache
from sync_worker.poweroffice.ratelimit import RateLimiter
from sync_worker.poweroffice.resources import (
    Accounts,
    AccountTransactions,
    Customers,
    Departments,
    Employees,
    IncomingInvoices,
    IntegrationInformation,
    LockDate,
    NumberSeries,
    OutgoingInvoiceJournals,
    OutgoingInvoices,
    Projects,
    Suppliers,
    VatCodes,
    VoucherDocumentation,
)
from sync_worker.poweroffice.transport import ApiResponse
from sync_worker.redis_store import get_redis

log = logging.getLogger(__name__)

Observer = Callable[[str, str, int, float], None]


class PowerOfficeClient:
    """PowerOffice Go for one client key; resources hang off it as attributes.

    `observer(method, path, status, elapsed_ms)` hears of every HTTP answer, token calls
    included; `calls` counts every request sent, answered or not. A `background` client
    (the expense import) only uses the rate budget that transfers leave unused.
    """

    # A 429 is waited out this many times before the task gets `RateLimited` …
    RATE_LIMIT_RETRIES = 3
    # … and never inline for longer than this: a longer wait belongs in a task retry.
    MAX_INLINE_WAIT_SECONDS = 10.0
    page_size = paging.PAGE_SIZE

    def __init__(
        self,
        client_key: str,
        *,
        settings: Settings | None = None,
        redis: Redis | None = None,
        observer: Observer | None = None,
        background: bool = False,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        settings = settings or get_settings()
        redis = redis if redis is not None else get_redis()
        self.key_id = keys.fingerprint(settings.pogo_application_key, client_key)
        self.calls = 0
        self._calls_lock = threading.Lock()
        self._base_url = settings.pogo_api_base_url.rstrip("/")
        self._subscription_key = settings.pogo_subscription_key
        self._timeout = settings.pogo_timeout_seconds
        self._observer = observer
        self._sleep = sleep
        self._limiter = RateLimiter(
            redis,
            settings.pogo_subscription_key,
            settings.pogo_rate_limit_per_second,
            sleep=sleep,
            background=background,
        )
        # A token renewal or a table load holds its lock for one request's timeout and a
        # wait for rate-limit slots; past that, the others stop waiting for it.
        lock_seconds = settings.pogo_timeout_seconds + 10
        self._tokens = TokenSource(
            tenant=self.key_id,
            application_key=settings.pogo_application_key,
            client_key=client_key,
            subscription_key=settings.pogo_subscription_key,
            token_url=settings.pogo_token_url,
            redis_client=redis,
            send=self._send,
            lock_seconds=lock_seconds,
            clock=clock,
            sleep=sleep,
        )
        self.lookups = LookupCache(
            redis,
            self.key_id,
            settings.pogo_lookup_cache_seconds,
            lock_seconds=lock_seconds,
            sleep=sleep,
        )
        self._attach_resources()

    def renew_token_ahead(self, within_seconds: float) -> bool:
        """Renew the token in use if it falls due within `within_seconds` (the warm-up);
        whether it was renewed."""
        return self._tokens.renew_ahead(within_seconds)

    def _attach_resources(self) -> None:
        self.customers = Customers(self)
        self.projects = Projects(self)
        self.departments = Departments(self)
        self.employees = Employees(self)
        self.accounts = Accounts(self)
        self.vat_codes = VatCodes(self)
        self.lock_date = LockDate(self)
        self.number_series = NumberSeries(self)
        self.outgoing_invoice_journals = OutgoingInvoiceJournals(self)
        self.outgoing_invoices = OutgoingInvoices(self)
        self.voucher_documentation = VoucherDocumentation(self)
        self.account_transactions = AccountTransactions(self)
        self.suppliers = Suppliers(self)
        self.incoming_invoices = IncomingInvoices(self)
        self.integration = IntegrationInformation(self)

    def __repr__(self) -> str:
        return f"PowerOfficeClient(key_id={self.key_id[:8]}, base_url={self._base_url!r})"

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        files: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> ApiResponse:
        """One API call; raises the classes of `sync_worker.errors` (see `transport`).

        `params` may hold lists (sent comma-joined), dates and booleans; None is left out.
        `json` is sent with Decimal amounts exact. `headers` may set e.g. Content-Type.
        """
        method = method.upper()
        call = {"params": _query(params), "files": files, "headers": dict(headers or {})}
        if json is not None:
            call["data"] = codec.encode(json)
            call["headers"].setdefault("Content-Type", "application/json")
        try:
            return self._waiting_out_429(method, path, call)
        except Exception as exc:
            # Tokens and the rate budget live in Redis: its outage is no answer of PowerOffice Go.
            unavailable = infrastructure_failure(exc, f"{method} {path}")
            if unavailable is None:
                raise
            raise unavailable from exc

    def list_all(self, path: str, params: Mapping[str, Any] | None = None) -> list[dict]:
        """Every row of a list endpoint (all pages; 204 is an empty list)."""
        return paging.collect(self.request, path, params, page_size=self.page_size)

    def _waiting_out_429(self, method: str, path: str, call: dict[str, Any]) -> ApiResponse:
        attempt = 0
        while True:
            try:
                return self._authorized(method, path, call)
            except RateLimited as exc:
                attempt += 1
                if (
                    attempt > self.RATE_LIMIT_RETRIES
                    or exc.retry_after > self.MAX_INLINE_WAIT_SECONDS
                ):
                    raise
                log.warning(
                    "%s %s: 429, waiting %.1f s (retry %d)", method, path, exc.retry_after, attempt
                )
                self._sleep(exc.retry_after)

    def _authorized(self, method: str, path: str, call: dict[str, Any]) -> ApiResponse:
        token = self._tokens.token()
        try:
            return self._api_call(method, path, token, call)
        except ApiRejected as exc:
            if exc.http_status != 401:
                raise
        # The token died early (revoked, clock skew): one new token, one more try.
        log.info("%s %s: 401, renewing the token once", method, path)
        self._tokens.invalidate(token)
        return self._api_call(method, path, self._tokens.token(), call)

    def _api_call(self, method: str, path: str, token: str, call: dict[str, Any]) -> ApiResponse:
        headers = {
            "Accept": "application/json",
            **call["headers"],
            "Authorization": f"Bearer {token}",
            "Ocp-Apim-Subscription-Key": self._subscription_key,
        }
        return self._send(method, self._base_url + path, path=path, **{**call, "headers": headers})

    def _send(
        self, method: str, url: str, *, path: str, token_endpoint: bool = False, **kwargs: Any
    ) -> ApiResponse:
        """Every HTTP request, API or token: slot, send, count, observe, check."""
        operation = f"{method} {path}"
        # The slot is taken right before sending (the token is fetched before it), so the
        # delay between slot and send stays within the limiter's margin.
        self._limiter.acquire()
        started = time.perf_counter()
        try:
            response = transport.send(
                method, url, operation=operation, timeout=self._timeout, **kwargs
            )
        finally:
            with self._calls_lock:
                self.calls += 1
        elapsed_ms = (time.perf_counter() - started) * 1000
        log.debug("%s -> %d in %.0f ms", operation, response.status, elapsed_ms)
        self._observe(method, path, response.status, elapsed_ms)
        transport.raise_for_status(operation, response, token_endpoint=token_endpoint)
        return response

    def _observe(self, method: str, path: str, status: int, elapsed_ms: float) -> None:
        if self._observer is None:
            return
        try:
            self._observer(method, path, status, elapsed_ms)
        except Exception:
            # An audit hiccup must not turn a posted voucher into a failed (retried) task.
            log.exception("observer failed for %s %s", method, path)


def _query(params: Mapping[str, Any] | None) -> dict[str, str] | None:
    if not params:
        return None
    return {name: _query_value(value) for name, value in params.items() if value is not None}


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ",".join(_query_value(item) for item in value)
    return str(value)
