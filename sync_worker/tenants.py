"""Tenants: one Moment company each, with its PowerOffice Go client key encrypted at rest."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import select
from sqlalchemy.orm import Session

from config.settings import SettingsError, get_settings
from sync_worker.db.models import Tenant
from sync_worker.errors import PermanentError
from sync_worker.expenses.selection import voucher_types
from sync_worker.notifications.compose import LANGUAGES as EMAIL_LANGUAGES

GENERATE_KEY_HINT = (
    'generate one with: python -c "from cryptography.fernet import Fernet; '
    'print(Fernet.generate_key().decode())"'
)


EMAIL = re.compile(r"[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+")
DELIVERY_TYPES = ("Print", "PdfByEmail", "EHF")
RECHECK_DAYS_MAX = 60

# A code is typed by operators, sent by Moment in every message, and shown in logs and
# e-mail subjects: a short slug keeps it safe in all of them.
TENANT_CODE_MAX_LENGTH = 32
TENANT_CODE = re.compile(r"[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?")


class InvalidTenantSettings(PermanentError):
    """A tenant setting is out of range; the message names it."""


class UnknownTenant(PermanentError):
    """No tenant has this Moment company code."""


class TenantExists(PermanentError):
    """A tenant with this code is already registered."""


class UndecryptableClientKeys(PermanentError):
    """Stored client keys that the secret key given cannot decrypt; names the tenants."""

    def __init__(self, codes: list[str], key_name: str):
        super().__init__(
            f"{key_name} cannot decrypt the client key of "
            f"{len(codes)} tenant{'s' if len(codes) != 1 else ''}: {', '.join(codes)}; "
            "it is not the key they were stored with"
        )
        self.codes = codes


@dataclass(frozen=True)
class TenantSettings:
    """The settings an operator may change; None leaves a value as it is."""

    name: str | None = None
    error_emails: str | None = None
    invoice_delivery_type: str | None = None
    expense_import_enabled: bool | None = None
    expenses_billable_default: bool | None = None
    expense_account_threshold: int | None = None
    expense_lookback_days: int | None = None
    import_interval_minutes: int | None = None
    # Comma-separated, from the expense-like types; "" means all of them (the default).
    expense_voucher_types: str | None = None
    reconcile_daily: bool | None = None
    reconcile_fixes: bool | None = None
    email_language: str | None = None
    # For how many days a failure whose fix lies in PowerOffice Go is re-checked; 0: never.
    recheck_days: int | None = None

    def __post_init__(self) -> None:
        problems = []
        if self.expense_voucher_types is not None:
            try:
                types = voucher_types(self.expense_voucher_types)
            except ValueError as exc:
                problems.append(str(exc))
            else:
                # Stored in PowerOffice Go's spelling, whatever the case it was typed in.
                spelled = "" if not self.expense_voucher_types.strip() else ",".join(types)
                object.__setattr__(self, "expense_voucher_types", spelled)
        if self.error_emails is not None:
            problems += [
                f"error e-mail {a!r} is not an e-mail address"
                for a in _split_emails(self.error_emails)
                if not EMAIL.fullmatch(a)
            ]
        if self.invoice_delivery_type not in (None, *DELIVERY_TYPES):
            problems.append(f"invoice delivery type must be one of {', '.join(DELIVERY_TYPES)}")
        if self.expense_account_threshold is not None and not (
            1000 <= self.expense_account_threshold <= 9999
        ):
            problems.append("expense account threshold must be an account number, 1000-9999")
        if self.expense_lookback_days is not None and not 0 <= self.expense_lookback_days <= 60:
            problems.append("expense look-back must be 0-60 days")
        if self.import_interval_minutes is not None and self.import_interval_minutes < 1:
            problems.append("import interval must be at least 1 minute")
        if self.email_language not in (None, *EMAIL_LANGUAGES):
            problems.append(f"e-mail language must be one of {', '.join(EMAIL_LANGUAGES)}")
        if self.recheck_days is not None and not 0 <= self.recheck_days <= RECHECK_DAYS_MAX:
            problems.append(f"re-check days must be 0-{RECHECK_DAYS_MAX}")
        if problems:
            raise InvalidTenantSettings("; ".join(problems))


def _fernet(secret_key: str | None = None) -> Fernet:
    key = secret_key if secret_key is not None else get_settings().secret_key
    if not key:
        raise SettingsError(f"SYNC_SECRET_KEY is not set; {GENERATE_KEY_HINT}")
    return Fernet(key.encode("ascii"))


def encrypt_client_key(client_key: str, secret_key: str | None = None) -> bytes:
    return _fernet(secret_key).encrypt(client_key.encode("utf-8"))


def decrypt_client_key(tenant: Tenant, secret_key: str | None = None) -> str:
    """The tenant's client key in clear text; only the PowerOffice Go client should hold it."""
    try:
        return _fernet(secret_key).decrypt(tenant.client_key_encrypted).decode("utf-8")
    except InvalidToken:
        raise SettingsError(
            f"SYNC_SECRET_KEY cannot decrypt the client key of tenant {tenant.code!r}: "
            "it is not the key the client key was stored with"
        ) from None


def undecryptable_tenants(session: Session, secret_key: str | None = None) -> list[str]:
    """The codes of the tenants whose stored client key `secret_key` (default:
    SYNC_SECRET_KEY) cannot decrypt: each of their messages would fail."""
    tenants = list_tenants(session)
    if not tenants:
        return []
    fernet = _fernet(secret_key)
    failing = []
    for tenant in tenants:
        try:
            fernet.decrypt(tenant.client_key_encrypted)
        except InvalidToken:
            failing.append(tenant.code)
    return failing


def rotate_client_keys(
    session: Session, old_secret_key: str, new_secret_key: str | None = None
) -> int:
    """Re-encrypt every stored client key from `old_secret_key` to `new_secret_key`
    (default: SYNC_SECRET_KEY); returns how many were re-encrypted.

    A key already under the new secret key is re-encrypted as it is, so running this again
    after a rotation is harmless. A key that neither decrypts raises
    `UndecryptableClientKeys` before anything is written; the caller's transaction then
    holds every key or none.
    """
    new, old = _fernet(new_secret_key), _fernet(old_secret_key)
    tenants = list_tenants(session)
    undecryptable = [t.code for t in tenants if not _decrypts(t, new, old)]
    if undecryptable:
        raise UndecryptableClientKeys(undecryptable, "neither the old nor the new key")
    both = MultiFernet([new, old])
    for tenant in tenants:
        tenant.client_key_encrypted = both.rotate(tenant.client_key_encrypted)
    session.flush()
    return len(tenants)


def _decrypts(tenant: Tenant, *keys: Fernet) -> bool:
    try:
        MultiFernet(list(keys)).decrypt(tenant.client_key_encrypted)
    except InvalidToken:
        return False
    return True


def get_tenant(session: Session, code: str) -> Tenant:
    tenant = session.scalar(select(Tenant).where(Tenant.code == code))
    if tenant is None:
        raise UnknownTenant(f"unknown tenant {code!r}: register it with `sync-worker tenant add`")
    return tenant


def list_tenants(session: Session) -> list[Tenant]:
    return list(session.scalars(select(Tenant).order_by(Tenant.code)))


def check_code(code: str) -> None:
    """Refuse a code that is not a short slug, naming what is wrong."""
    if len(code) > TENANT_CODE_MAX_LENGTH:
        raise InvalidTenantSettings(
            f"tenant code {code[:TENANT_CODE_MAX_LENGTH]!r}… is longer than "
            f"{TENANT_CODE_MAX_LENGTH} characters"
        )
    if not TENANT_CODE.fullmatch(code):
        raise InvalidTenantSettings(
            f"tenant code {code!r} must be lower-case letters, digits, '-' and '_', "
            "starting and ending with a letter or digit"
        )


def check_error_address(code: str, error_emails: str | None) -> None:
    """Refuse a tenant with nowhere to send its error e-mails: its failures would go
    unnoticed."""
    if not _split_emails(error_emails or ""):
        raise InvalidTenantSettings(
            f"tenant {code!r} needs an address for its error e-mails: give --error-email"
        )


def ensure_tenant_is_new(session: Session, code: str) -> None:
    check_code(code)
    if session.scalar(select(Tenant.id).where(Tenant.code == code)) is not None:
        raise TenantExists(f"tenant {code!r} already exists; use `sync-worker tenant update`")


def add_tenant(
    session: Session, code: str, client_key: str, settings: TenantSettings | None = None
) -> Tenant:
    ensure_tenant_is_new(session, code)
    tenant = Tenant(code=code, name=code, client_key_encrypted=encrypt_client_key(client_key))
    _apply(tenant, settings or TenantSettings())
    session.add(tenant)
    session.flush()
    return tenant


def update_tenant(
    session: Session,
    code: str,
    settings: TenantSettings,
    *,
    client_key: str | None = None,
) -> Tenant:
    tenant = get_tenant(session, code)
    _apply(tenant, settings)
    if client_key is not None:
        tenant.client_key_encrypted = encrypt_client_key(client_key)
    session.flush()
    return tenant


def remove_tenant(session: Session, code: str) -> None:
    session.delete(get_tenant(session, code))
    session.flush()


def _apply(tenant: Tenant, settings: TenantSettings) -> None:
    for name, value in vars(settings).items():
        if value is not None:
            setattr(tenant, name, value)


def _split_emails(text: str) -> list[str]:
    return [a.strip() for a in re.split(r"[,;]", text) if a.strip()]
