"""The doctor's checks as pure functions, and their agreement with the export rules."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from sync_worker.doctor import checks
from sync_worker.doctor.checks import ExpenseSetup, Status
from sync_worker.errors import ExportRefused
from sync_worker.mapping import rules
from sync_worker.schemas.entities import Accrual, Project
from tests.schemas.examples import entity

VAT_CODES = {"3": {"Id": 3, "Rate": "0.25"}, "5": {"Id": 5, "Rate": "0"}}


def _invoice(**changes):
    return replace(entity("invoice.finalized"), **changes)


def _accounts(invoice, **settings):
    return {
        line.account_code: {"Id": 1, "AccountNo": int(line.account_code), "IsActive": True}
        | settings
        for line in invoice.lines
    }


def _refused_by_rules(invoice, accounts) -> bool:
    try:
        rules.check_invoice(
            invoice,
            kind="invoice",
            accounts=accounts,
            vat_codes=VAT_CODES,
            departments={invoice.department_code: {"Id": 7, "IsActive": True}}
            if invoice.department_code
            else {},
            lock_date=None,
        )
    except ExportRefused:
        return True
    return False


@pytest.mark.parametrize(
    "settings",
    [
        {"IsActive": False},
        {"IsProjectRequired": True},
        {"IsDepartmentRequired": True},
        {"VatCode": "6", "IsVatCodeLocked": True},
    ],
)
def test_an_account_setting_fails_exactly_when_the_export_rules_refuse(settings):
    invoice = _invoice(project=None, department_code=None)
    accounts = _accounts(invoice, **settings)

    found = checks.accounts([invoice], accounts)

    assert _refused_by_rules(invoice, accounts)
    assert any(finding.status is Status.FAILED for finding in found)


def test_a_correct_chart_of_accounts_is_one_ok_that_the_rules_agree_with():
    invoice = _invoice()
    accounts = _accounts(invoice)

    [finding] = checks.accounts([invoice], accounts)

    assert finding.status is Status.OK and not _refused_by_rules(invoice, accounts)


def test_a_vat_code_differing_from_an_unlocked_account_only_warns():
    invoice = _invoice()
    accounts = _accounts(invoice, VatCode="6")

    found = checks.accounts([invoice], accounts)

    assert {finding.status for finding in found} == {Status.WARNING}
    assert "has VAT code 6 in PowerOffice Go, but Moment sends VAT code" in found[0].what


def test_no_invoices_yet_says_the_accounts_are_not_checked():
    [finding] = checks.accounts([], {})
    assert finding.status is Status.WARNING and "no chart of accounts" in finding.what


def test_7746_is_left_to_the_rounding_check():
    invoice = _invoice()
    line = replace(invoice.lines[0], account_code="7746")
    rounded = replace(invoice, lines=(*invoice.lines, line))
    accounts = {**_accounts(invoice), "7740": {"Id": 9, "IsActive": True}}

    assert [f.status for f in checks.accounts([rounded], accounts)] == [Status.OK]
    finding = checks.rounding_account([rounded], accounts)
    assert finding.status is Status.FAILED and "(7740)" in finding.fix


def test_invalid_expense_privileges_only_warn_while_the_import_is_off():
    information = {"InvalidPrivileges": ["AccountTransaction", "Customer_Full"]}

    statuses = {
        f.what.split()[5].rstrip(":"): f.status
        for f in checks.privileges(information, expense_import=False)
    }

    assert statuses == {"AccountTransaction": Status.WARNING, "Customer_Full": Status.FAILED}


def test_the_lock_date_counts_accruals_that_start_in_the_closed_period():
    invoice = _invoice(invoice_date=dt.date(2026, 3, 2))
    line = replace(
        invoice.lines[0],
        accrual=Accrual(from_=dt.date(2026, 1, 1), to=dt.date(2026, 6, 30)),
    )
    accrued = replace(invoice, lines=(line,))

    assert checks.lock_date(dt.date(2026, 1, 31), [invoice]).status is Status.OK
    assert checks.lock_date(dt.date(2026, 1, 31), [accrued]).status is Status.FAILED


def test_pdf_by_email_customers_without_an_address_are_refused():
    customer = replace(entity("customer.changed"), contact_email=None, invoice_email=None)

    setting, refused = checks.delivery_type("PdfByEmail", [customer], [])

    assert setting.status is Status.WARNING and "e-mail address" in setting.what
    assert refused.status is Status.FAILED and refused.fix.startswith("Add the invoice e-mail")


def test_a_missing_department_names_who_uses_it():
    project = Project(number="2026-001", name="Nettside", state="active", department_code="40")

    [finding] = checks.departments([project], [], {})

    assert finding.status is Status.FAILED
    assert "department 40 does not exist" in finding.what and "project 2026-001" in finding.what
    assert finding.fix.startswith("Create it in PowerOffice Go")


def test_owners_match_employees_ignoring_case():
    project = Project(number="1", name="N", state="active", owner_email="Kari@Acme.no")

    [finding] = checks.project_owners([project], [{"EmailAddress": "kari@acme.no "}])

    assert finding.status is Status.OK


def test_a_failed_test_e_mail_is_a_failure_with_the_smtp_settings_to_check():
    finding = checks.error_email(["a@b.no"], test=None, test_error="connection refused")
    assert finding.status is Status.FAILED and "SMTP_HOST" in finding.fix


def test_an_expense_import_without_projects_brings_nothing():
    setup = ExpenseSetup(True, False, ("ManualJournal",), projects_known=0, new_expenses=None)
    assert checks.expense_import(setup).status is Status.WARNING
