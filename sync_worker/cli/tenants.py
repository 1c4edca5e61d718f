"""`sync-worker tenant`: register Moment companies and their PowerOffice Go client keys.

A client key is read from a hidden prompt or from stdin, never from an option (which
would land in shell history and `ps`), and is never echoed or printed back. The same
holds for the old secret key `rotate-keys` asks for.
"""

from __future__ import annotations

import os
import sys

import click
from cryptography.fernet import Fernet

from sync_worker.cli import output
from sync_worker.cli.output import Column, json_option
from sync_worker.db.models import DEFAULT_EMAIL_LANGUAGE, DEFAULT_RECHECK_DAYS, Tenant
from sync_worker.db.session import session_scope
from sync_worker.doctor import Status, check_client_key
from sync_worker.expenses.selection import EXPENSE_VOUCHER_TYPES, voucher_types
from sync_worker.tenants import (
    DELIVERY_TYPES,
    EMAIL_LANGUAGES,
    TenantSettings,
    add_tenant,
    check_error_address,
    ensure_tenant_is_new,
    get_tenant,
    list_tenants,
    remove_tenant,
    rotate_client_keys,
    update_tenant,
)

# Where `rotate-keys` reads the secret key the client keys are stored with now; the new
# one is SYNC_SECRET_KEY, as for every other command.
OLD_SECRET_KEY_VARIABLE = "SYNC_OLD_SECRET_KEY"  # noqa: S105 (a variable name)


def _settings_options(command):
    options = [
        click.option("--name", help="Company name, for people."),
        click.option(
            "--error-email",
            "error_emails",
            multiple=True,
            help="Address that receives error e-mails (repeat for several).",
        ),
        click.option(
            "--delivery-type",
            "invoice_delivery_type",
            type=click.Choice(DELIVERY_TYPES),
            help="InvoiceDeliveryType for new customers [default: Print].",
        ),
        click.option(
            "--expense-import/--no-expense-import",
            "expense_import_enabled",
            default=None,
            help="Pull incoming expenses from PowerOffice Go [default: off].",
        ),
        click.option(
            "--expenses-billable/--expenses-not-billable",
            "expenses_billable_default",
            default=None,
            help="Imported expenses billable unless the project says otherwise.",
        ),
        click.option(
            "--expense-threshold",
            "expense_account_threshold",
            type=int,
            help="Import expenses on accounts above this number [default: 4000].",
        ),
        click.option(
            "--lookback-days",
            "expense_lookback_days",
            type=int,
            help="Import expenses posted this many days back [default: 2].",
        ),
        click.option(
            "--import-interval",
            "import_interval_minutes",
            type=int,
            help="Minutes between expense imports [default: 15].",
        ),
        click.option(
            "--expense-voucher-types",
            "expense_voucher_types",
            metavar="TYPE,...",
            help=(
                "Import expenses only from these voucher types, comma-separated; "
                f"'' for all [default: {','.join(EXPENSE_VOUCHER_TYPES)}]."
            ),
        ),
        click.option(
            "--reconcile-daily/--no-reconcile-daily",
            "reconcile_daily",
            default=None,
            help="Reconcile with PowerOffice Go every night [default: on].",
        ),
        click.option(
            "--reconcile-fixes/--no-reconcile-fixes",
            "reconcile_fixes",
            default=None,
            help="Let the reconciliation fix a missing PDF or a customer or project edited "
            "by hand in PowerOffice Go [default: on].",
        ),
        click.option(
            "--email-language",
            "email_language",
            type=click.Choice(EMAIL_LANGUAGES),
            help="Language of the error e-mails: nb (bokmål) or en "
            f"[default: {DEFAULT_EMAIL_LANGUAGE}].",
        ),
        click.option(
            "--recheck-days",
            "recheck_days",
            type=int,
            help="Days a failure whose fix lies in PowerOffice Go is re-checked by itself "
            "(every SYNC_RECHECK_INTERVAL_SECONDS); 0 for never "
            f"[default: {DEFAULT_RECHECK_DAYS}].",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _tenant_settings(options: dict) -> TenantSettings:
    emails = options.pop("error_emails")
    if emails:
        options["error_emails"] = ",".join(emails)
    return TenantSettings(**options)


def _read_client_key(from_stdin: bool) -> str:
    if from_stdin:
        key = sys.stdin.readline().strip()
    else:
        key = click.prompt("PowerOffice Go client key", hide_input=True, err=True).strip()
    if not key:
        raise click.UsageError("the client key is empty")
    return key


@click.group()
def tenant() -> None:
    """Moment companies served by this system."""


@tenant.command("add")
@click.argument("code")
@_settings_options
@click.option("--client-key-stdin", is_flag=True, help="Read the client key from stdin.")
@click.option(
    "--no-check", is_flag=True, help="Store the key without asking PowerOffice Go (offline)."
)
@json_option
def add(code: str, client_key_stdin: bool, no_check: bool, as_json: bool, **options) -> None:
    """Register the Moment company CODE; asks for its PowerOffice Go client key and checks
    it with PowerOffice Go before storing it."""
    settings = _tenant_settings(options)
    check_error_address(code, settings.error_emails)
    with session_scope() as session:
        ensure_tenant_is_new(session, code)  # before asking for a key that would be wasted
    client_key = _read_client_key(client_key_stdin)
    if not no_check:
        _check_key(client_key, bool(settings.expense_import_enabled))
    with session_scope() as session:
        added = _describe(add_tenant(session, code, client_key, settings))
    _done(added, f"tenant {code} added", as_json=as_json)


def _check_key(client_key: str, expense_import: bool) -> None:
    """A wrong key is refused in one line; a missing privilege is shown, and the tenant is
    added all the same (the privilege can be granted later; `sync-worker doctor` tells)."""
    key, *privileges = check_client_key(client_key, expense_import=expense_import)
    if key.status is Status.FAILED:
        raise click.ClickException(f"{key.what} {key.fix or ''}".strip())
    for finding in privileges:
        if finding.status is not Status.OK:
            click.echo(f"{finding.status.value} {finding.what} → {finding.fix}", err=True)


@tenant.command("update")
@click.argument("code")
@_settings_options
@click.option("--client-key", "new_key", is_flag=True, help="Ask for a new client key.")
@click.option("--client-key-stdin", is_flag=True, help="Read a new client key from stdin.")
@json_option
def update(code: str, new_key: bool, client_key_stdin: bool, as_json: bool, **options) -> None:
    """Change the settings, or the client key, of tenant CODE."""
    settings = _tenant_settings(options)
    client_key = _read_client_key(client_key_stdin) if (new_key or client_key_stdin) else None
    with session_scope() as session:
        updated = update_tenant(session, code, settings, client_key=client_key)
        check_error_address(code, updated.error_emails)  # raising rolls the update back
        described = _describe(updated)
    said = f"tenant {code} updated" + (" (new client key stored)" if client_key else "")
    _done(described, said, as_json=as_json)


def _done(tenant: dict, said: str, *, as_json: bool) -> None:
    """What `add` and `update` did: a line, or the tenant's settings as they now are."""
    if as_json:
        output.emit_json(tenant)
    else:
        click.echo(said)


@tenant.command("rotate-keys")
@json_option
def rotate_keys(as_json: bool) -> None:
    """Re-encrypt every stored client key from the old secret key to SYNC_SECRET_KEY, in
    one transaction. The old key is read from SYNC_OLD_SECRET_KEY, or asked for, hidden.
    See README, "Rotating the secret key"."""
    old_key = os.environ.get(OLD_SECRET_KEY_VARIABLE, "").strip()
    if not old_key:
        old_key = click.prompt("The old SYNC_SECRET_KEY", hide_input=True, err=True).strip()
    if not old_key:
        raise click.UsageError("the old secret key is empty")
    try:
        Fernet(old_key.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise click.UsageError(
            "the old secret key is not a Fernet key (32 url-safe base64-encoded bytes)"
        ) from None
    with session_scope() as session:
        count = rotate_client_keys(session, old_key)
    if as_json:
        output.emit_json({"re_encrypted": count})
        return
    click.echo(f"{count} client key{'s' if count != 1 else ''} re-encrypted with SYNC_SECRET_KEY")


@tenant.command("remove")
@click.argument("code")
@click.confirmation_option(prompt="Remove the tenant and all its sync history?")
@json_option
def remove(code: str, as_json: bool) -> None:
    """Remove tenant CODE and everything stored for it."""
    with session_scope() as session:
        remove_tenant(session, code)
    if as_json:
        output.emit_json({"code": code, "removed": True})
        return
    click.echo(f"tenant {code} removed")


@tenant.command("list")
@json_option
def list_(as_json: bool) -> None:
    """The registered tenants and their main settings (`tenant show` has them all; client
    keys are never shown)."""
    with session_scope() as session:
        rows = [_describe(t) for t in list_tenants(session)]
    if as_json:
        output.emit_json(rows)
        return
    output.table(
        [
            Column("CODE"),
            Column("NAME"),
            Column("ERROR E-MAILS", wrap=True),
            Column("DELIVERY"),
            Column("EXPENSES"),
            Column("VOUCHER TYPES"),
            Column("RECONCILE"),
        ],
        (
            [
                row["code"],
                row["name"],
                row["error_emails"].replace(",", ", "),
                row["invoice_delivery_type"],
                _expenses_label(row),
                _types_label(row["expense_voucher_types"]),
                ("daily" if row["reconcile_daily"] else "off")
                + (", fixes" if row["reconcile_fixes"] else ""),
            ]
            for row in rows
        ),
        empty="no tenants",
    )


@tenant.command("show")
@click.argument("code")
@json_option
def show(code: str, as_json: bool) -> None:
    """Every setting of tenant CODE (its client key is never shown)."""
    with session_scope() as session:
        described = _describe(get_tenant(session, code))
    if as_json:
        output.emit_json(described)
        return
    output.table(
        [Column("SETTING"), Column("VALUE", wrap=True)],
        ([name, _setting(value)] for name, value in described.items()),
        empty=f"tenant {code}",
    )


def _setting(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ",".join(value)
    return str(value)


def _expenses_label(row: dict) -> str:
    if not row["expense_import_enabled"]:
        return "off"
    billable = "billable" if row["expenses_billable_default"] else "not billable"
    return (
        f"on, >{row['expense_account_threshold']}, {row['expense_lookback_days']}d back, "
        f"every {row['import_interval_minutes']}min, {billable}"
    )


def _types_label(types: list[str]) -> str:
    return "all" if tuple(types) == EXPENSE_VOUCHER_TYPES else ",".join(types)


def _describe(tenant: Tenant) -> dict:
    return {
        "code": tenant.code,
        "name": tenant.name,
        "client_key": "set",
        "error_emails": tenant.error_emails,
        "invoice_delivery_type": tenant.invoice_delivery_type,
        "expense_import_enabled": tenant.expense_import_enabled,
        "expenses_billable_default": tenant.expenses_billable_default,
        "expense_account_threshold": tenant.expense_account_threshold,
        "expense_lookback_days": tenant.expense_lookback_days,
        "import_interval_minutes": tenant.import_interval_minutes,
        "expense_voucher_types": list(voucher_types(tenant.expense_voucher_types)),
        "reconcile_daily": tenant.reconcile_daily,
        "reconcile_fixes": tenant.reconcile_fixes,
        "email_language": tenant.email_language,
        "recheck_days": tenant.recheck_days,
    }
