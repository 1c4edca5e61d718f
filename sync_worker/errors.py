"""The error hierarchy. What happens next is decided from the class alone
(`sync_worker.policy`).

    SyncError
    ├── Redundant               nothing to do: the same work runs elsewhere right now
    │   └── ImportRunning       another expense import of the tenant holds its lock
    ├── TransientError          try again later: timeouts, lost connections, 429, 5xx
    │   ├── RateLimited         PowerOffice Go said 429; `retry_after` seconds
    │   └── Waiting             other work must finish first; waiting spends no retry
    │       ├── EntityBusy      another worker holds the entity's lock
    │       ├── WaitingForInvoice   a credit note's invoice is still on its way
    │       └── WaitingForCustomer  a project's customer is still on its way
    └── PermanentError          retrying cannot help; a person must act
        ├── InvalidMessage      the message breaks the contract (names message and field)
        ├── ExportRefused       a rule of ours refused the export before any write
        ├── ChangedAfterPosting a newer version of a voucher already posted, with other content
        ├── ApiRejected         PowerOffice Go answered 4xx (validation, not found, forbidden)
        │   ├── AlreadyExists   a repeated ExternalImportReference / InvoiceNo
        │   └── NotFound        404
        └── AuthenticationFailed  invalid_client: wrong client key or wrong environment

Messages never carry a secret: callers pass the text, never a key or a token.
"""

from __future__ import annotations


class SyncError(Exception):
    """Base of every error this system raises on purpose."""

    def __init__(self, message: str, *, http_status: int | None = None, detail: str | None = None):
        super().__init__(message)
        self.message = message
        self.http_status = http_status
        self.detail = detail

    def __str__(self) -> str:
        return self.message


class Redundant(SyncError):
    """The work is being done elsewhere right now: nothing to retry, nothing to report."""


class ImportRunning(Redundant):
    """Another import of the same tenant holds the lock: this one has nothing to do."""


class TransientError(SyncError):
    """The same call may succeed later; the task retries with backoff."""


class RateLimited(TransientError):
    """PowerOffice Go answered 429."""

    def __init__(self, message: str, *, retry_after: float = 1.0, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = max(retry_after, 1.0)


class Waiting(TransientError):
    """Another piece of work has to finish first. Not a failure: it is waited for, longer
    each time, and no retry is spent on it."""


class EntityBusy(Waiting):
    """Another worker is transferring the same entity right now."""


class WaitingForInvoice(Waiting):
    """A credit note's invoice is still on its way through this system."""


class WaitingForCustomer(Waiting):
    """A project's customer is still on its way through this system."""


class PermanentError(SyncError):
    """Retrying cannot help; the transfer fails and a person gets an e-mail."""


class InvalidMessage(PermanentError):
    """A message from Moment breaks the contract."""

    def __init__(self, message: str, *, field_errors: dict | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.field_errors = field_errors or {}


class ExportRefused(PermanentError):
    """One of the export rules refused the entity before anything was written.

    `rests_on_lookups`: every reason given rests on what PowerOffice Go said (an account,
    VAT code or department, the lock date), so asking afresh may change the answer."""

    def __init__(self, message: str, *, rests_on_lookups: bool = False, **kwargs):
        super().__init__(message, **kwargs)
        self.rests_on_lookups = rests_on_lookups


class ChangedAfterPosting(PermanentError):
    """Moment finalized a voucher again, with other content, after it was posted: the books
    keep the posted one, and only a credit note and a new invoice in Moment change them."""


class ApiRejected(PermanentError):
    """PowerOffice Go refused the request (4xx); `detail` is its own explanation."""


class AlreadyExists(ApiRejected):
    """The ExternalImportReference or InvoiceNo is already in use in PowerOffice Go."""


class NotFound(ApiRejected):
    """PowerOffice Go has no such object (404)."""


class AuthenticationFailed(PermanentError):
    """PowerOffice Go does not accept the client key (invalid_client)."""
