"""Where the fix of a failed transfer lies: the one decision the error e-mail's advice and
the system's own re-check both rest on.

    POWEROFFICE_GO  an account, VAT code or department missing or inactive in PowerOffice
                    Go, a closed period: once fixed there, the same snapshot goes through,
                    so the system re-checks by itself (`sync_worker.recheck`)
    MOMENT          the data Moment sent is wrong (a VAT code missing on Moment's account,
                    a number, a project number with ".", a broken contract): only a
                    corrected message from Moment helps, never a replay of this one
    SETUP           the client key, or the integration's privileges in PowerOffice Go
    NOWHERE         nothing to correct: the retries of a passing fault ran out (an operator
                    runs it again), or a posted voucher changed (a credit note and a new
                    invoice in Moment change the books)
    OPERATOR        in this system: an internal error, or a setting of its own (a secret
                    key that cannot decrypt the client key); its operators look

Decided from the error alone, as `sync_worker.policy` decides what follows it.
"""

from __future__ import annotations

import enum

from sync_worker import errors
from sync_worker.errors import (
    ApiRejected,
    AuthenticationFailed,
    ChangedAfterPosting,
    ExportRefused,
    InvalidMessage,
    SyncError,
    TransientError,
)

FORBIDDEN = 403


class Fix(enum.StrEnum):
    POWEROFFICE_GO = "poweroffice_go"
    MOMENT = "moment"
    SETUP = "setup"
    NOWHERE = "nowhere"
    OPERATOR = "operator"


def fix_for(error: SyncError) -> Fix:
    """Where the fix of `error` lies."""
    return _fix(type(error), error.http_status, getattr(error, "rests_on_lookups", False))


def fix_for_record(error_type: str, http_status: int | None, *, rests_on_lookups: bool) -> Fix:
    """The same decision for a failure read back from the history, which keeps the error's
    class by name but not whether an export refusal rested on PowerOffice Go's look-ups:
    the caller knows that from the entity's re-check window, set only when `fix_for` said
    POWEROFFICE_GO. A class no longer known is judged as a plain `SyncError`."""
    return _fix(error_class(error_type), http_status, rests_on_lookups)


def error_class(error_type: str) -> type[SyncError]:
    """The class of `sync_worker.errors` the history names; `SyncError` for one no longer
    known."""
    known = getattr(errors, error_type, None)
    return known if isinstance(known, type) and issubclass(known, SyncError) else SyncError


def _fix(error_class: type[SyncError], http_status: int | None, rests_on_lookups: bool) -> Fix:
    if issubclass(error_class, ExportRefused):
        return Fix.POWEROFFICE_GO if rests_on_lookups else Fix.MOMENT
    if issubclass(error_class, AuthenticationFailed) or http_status == FORBIDDEN:
        return Fix.SETUP
    if issubclass(error_class, TransientError | ChangedAfterPosting):
        return Fix.NOWHERE
    if issubclass(error_class, ApiRejected | InvalidMessage):
        return Fix.MOMENT  # PowerOffice Go refused what Moment sent, after our rules let it by
    return Fix.OPERATOR
