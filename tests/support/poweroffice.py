"""What the PowerOffice Go client's unit tests (mocked HTTP) and contract tests (the
simulator) share: the SAF-T VAT rates of a Norwegian client, and assertions on the
client's errors, so that "the same assertions hold in both" is one piece of code rather
than two copies that drift apart."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from sync_worker.errors import AuthenticationFailed, SyncError


def assert_api_error(
    error: BaseException,
    cls: type[SyncError],
    *,
    operation: str,
    status: int,
    detail: str | None = None,
) -> None:
    """`error` is exactly `cls` (tasks decide from the class), names the operation and the
    status first, and carries PowerOffice Go's own explanation when there is one."""
    assert type(error) is cls, f"{type(error).__name__} instead of {cls.__name__}: {error}"
    assert error.http_status == status
    assert str(error).startswith(f"{operation}: {status} "), str(error)
    if detail is not None:
        assert error.detail == detail
        assert detail in str(error)


def assert_wrong_client_key(error: BaseException, *, token_path: str, status: int) -> None:
    """A refused token request tells a person what to check: the key and the environment."""
    assert type(error) is AuthenticationFailed, f"{type(error).__name__}: {error}"
    assert error.http_status == status
    assert str(error).startswith(f"POST {token_path}: {status} "), str(error)
    assert "client key is wrong" in str(error)
    assert "demo vs production" in str(error)


def assert_no_secret(error: BaseException, logs: Iterable[str], secrets: Iterable[str]) -> None:
    """No key or token in the error (text, repr, detail) nor in any log line."""
    shown = [str(error), repr(error), str(getattr(error, "detail", None)), *logs]
    leaked = [number for number, secret in enumerate(secrets) if any(secret in t for t in shown)]
    # The secrets' positions only: the assertion message must not print a secret either.
    assert not leaked, f"secrets number {leaked} show in the error or the log"


# SAF-T standard VAT codes and their rates: what a Norwegian client is set up with.
VAT_RATES = {
    "0": Decimal("0"),
    "1": Decimal("0.25"),
    "3": Decimal("0.25"),
    "5": Decimal("0"),
    "6": Decimal("0"),
    "11": Decimal("0.15"),
    "13": Decimal("0.12"),
    "31": Decimal("0.15"),
    "33": Decimal("0.12"),
    "52": Decimal("0"),
}
