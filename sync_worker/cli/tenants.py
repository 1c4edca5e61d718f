"""`sync-worker tenant`: register Moment companies and their PowerOffice Go client keys.

A client key is read from a hidden prompt or from stdin, never from an option (which
would land in shell history and `ps`), and is never echoed or printed back. The same
holds for the old secret key `rotate-keys` asks for.
"""

from __future__ import annotations

import json
import os
import sys

import click
from cryptography.fernet import Fernet

from sync_worker.db.models import Tenant
from sync_worker.db.session import session_scope
from sync_worker.doctor import Status, check_client_key
from sync_worker.expenses.selection import EXPENSE_VOUCHER_TYPES, voucher_types
from sync_worker.tenants import (
    DELIVERY_TYPES,
    TenantSettings,
    add_tenant,
    check_error_address,
    ensure_tenant_is_new,
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
        key = click.prompt("PowerOffice Go client key", hide_input=True).strip()
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
def add(code: str, client_key_stdin: bool, no_check: bool, **options) -> None:
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
        add_tenant(session, code, client_key, settings)
    click.echo(f"tenant {code} added")


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
def update(code: str, new_key: bool, client_key_stdin: bool, **options) -> None:
    """Change the settings, or the client key, of tenant CODE."""
    settings = _tenant_settings(options)
    client_key = _read_client_key(client_key_stdin) if (new_key or client_key_stdin) else None
    with session_scope() as session:
        updated = update_tenant(session, code, settings, client_key=client_key)
        check_error_address(code, updated.error_emails)  # raising rolls the update back
    click.echo(f"tenant {code} updated" + (" (new client key stored)" if client_key else ""))


@tenant.command("rotate-keys")
def rotate_keys() -> None:
    """Re-encrypt every stored client key from the old secret key to SYNC_SECRET_KEY, in
    one transaction. The old key is read from SYNC_OLD_SECRET_KEY, or asked for, hidden.
    See README, "Rotating the secret key"."""
    old_key = os.environ.get(OLD_SECRET_KEY_VARIABLE, "").strip()
    if not old_key:
        old_key = click.prompt("The old SYNC_SECRET_KEY", hide_input=True).strip()
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
    click.echo(f"{count} client key{'s' if count != 1 else ''} re-encrypted with SYNC_SECRET_KEY")


@tenant.command("remove")
@click.argument("code")
@click.confirmation_option(prompt="Remove the tenant and all its sync history?")
def remove(code: str) -> None:
    """Remove tenant CODE and everything stored for it."""
    with session_scope() as session:
        remove_tenant(session, code)
    click.echo(f"tenant {code} removed")


@tenant.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per tenant.")
def list_(as_json: bool) -> None:
    """The registered tenants and their settings (client keys are never shown)."""
    with session_scope() as session:
        rows = [_describe(t) for t in list_tenants(session)]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("no tenants")
    for row in rows:
        click.echo(
            f"{row['code']:<16} {row['name']:<24} errors→{row['error_emails'] or '(none)'}  "
            f"expenses:{'on' if row['expense_import_enabled'] else 'off'} "
            f"billable:{'yes' if row['expenses_billable_default'] else 'no'} "
            f">{row['expense_account_threshold']} {row['expense_lookback_days']}d "
            f"every {row['import_interval_minutes']}min  delivery:{row['invoice_delivery_type']}"
            f"  types:{_types_label(row['expense_voucher_types'])}"
            f"  reconcile:{'daily' if row['reconcile_daily'] else 'off'}"
            f"{', fixes' if row['reconcile_fixes'] else ''}"
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
    }
