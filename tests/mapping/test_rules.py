from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from sync_worker.errors import ExportRefused
from sync_worker.mapping import InvoiceIds, check_customer, check_invoice, check_project
from sync_worker.mapping.rules import (
    credited_invoice_failed,
    customer_of_project_missing,
    number_used_by_another_voucher,
)
from sync_worker.schemas import Accrual, Attachment
from tests.schemas.examples import entity

ACCOUNTS = {
    "3000": {"Id": 3001, "AccountNo": 3000, "VatCode": "3"},
    "7740": {"Id": 7741, "AccountNo": 7740, "VatCode": "0"},
}
VAT_CODES = {
    "3": {"Id": 31, "Rate": 0.25},
    "0": {"Id": 1, "Rate": 0},
    "31": {"Id": 32, "Rate": "0.15"},
}
DEPARTMENTS = {"20": {"Id": 7}}
LOCK_DATE = date(2026, 10, 31)


def check(invoice=None, **overrides) -> InvoiceIds:
    arguments = {
        "kind": "invoice",
        "accounts": ACCOUNTS,
        "vat_codes": VAT_CODES,
        "departments": DEPARTMENTS,
        "lock_date": LOCK_DATE,
    } | overrides
    return check_invoice(invoice or entity("invoice.finalized"), **arguments)


def problems(invoice=None, **overrides) -> list[str]:
    """The refusal's problems, one per line, without the leading "- "."""
    with pytest.raises(ExportRefused) as caught:
        check(invoice, **overrides)
    heading, *listed = str(caught.value).split("\n")
    assert heading.endswith("was not transferred to PowerOffice Go:")
    assert all(line.startswith("- ") for line in listed)
    return [line[2:] for line in listed]


def the_problem(invoice=None, **overrides) -> str:
    [only] = problems(invoice, **overrides)
    return only


def with_lines(invoice, *lines, total: str):
    return replace(invoice, lines=lines, total_incl_vat=Decimal(total))


def line(invoice, **changes):
    return replace(invoice.lines[0], **changes)


# --- accepted ------------------------------------------------------------------------------


def test_a_sound_invoice_resolves_its_ids():
    assert check() == InvoiceIds(
        account_ids={"3000": 3001},
        vat_ids={"3": 31},
        vat_rates={"3": Decimal("0.25")},
        department_id=7,
    )


def test_an_invoice_without_department_has_no_department_id():
    assert check(replace(entity("invoice.finalized"), department_code=None)).department_id is None


def test_a_rounding_line_with_zero_vat_counts_in_the_sum():
    invoice = entity("invoice.finalized")
    rounding = line(invoice, account_code="7740", vat_code="0", amount=Decimal("-0.40"))
    ids = check(with_lines(invoice, invoice.lines[0], rounding, total="12499.60"))
    assert ids.account_ids == {"3000": 3001, "7740": 7741}
    assert ids.vat_ids == {"3": 31, "0": 1}


@pytest.mark.parametrize("total", ["0.09", "0.08"])
def test_vat_may_be_rounded_per_line_or_per_vat_code(total):
    invoice = entity("invoice.finalized")
    small = line(invoice, amount=Decimal("0.02"))  # VAT 0.005 each: 0.03 per line, 0.02 per code
    check(with_lines(invoice, small, small, small, total=total))


def test_the_day_after_the_lock_date_is_open():
    invoice = entity("invoice.finalized")
    accrual = Accrual(from_=date(2026, 11, 1), to=date(2026, 11, 30))
    open_invoice = replace(
        invoice, invoice_date=date(2026, 11, 1), lines=(line(invoice, accrual=accrual),)
    )
    check(open_invoice, lock_date=LOCK_DATE)


def test_no_lock_date_locks_nothing():
    check(replace(entity("invoice.finalized"), invoice_date=date(2000, 1, 1)), lock_date=None)


def test_a_credit_note_for_a_known_invoice():
    credit_note = entity("credit_note.finalized")
    assert check(credit_note, kind="credit_note", credited_invoice_known=True).vat_ids == {"3": 31}


# --- refused -------------------------------------------------------------------------------


def test_a_line_without_vat_code_names_line_and_account_and_what_to_do():
    invoice = entity("invoice.finalized")
    assert the_problem(with_lines(invoice, line(invoice, vat_code=None), total="12500.00")) == (
        'Line 1 (account 3000, "Rådgivning, 10 timer"): no VAT code. Set the external VAT code '
        "on account 3000 in Moment (Setup > Accounts), then transfer the invoice again. "
        "PowerOffice Go has VAT code 3 on it."
    )


def test_every_line_without_vat_code_is_listed():
    invoice = entity("invoice.finalized")
    unnamed = line(invoice, vat_code=None, description=None, account_code="3100")
    found = problems(with_lines(invoice, invoice.lines[0], unnamed, unnamed, total="1"))
    assert found[0].startswith("Line 2 (account 3100): no VAT code.")
    assert found[1].startswith("Line 3 (account 3100): no VAT code.")


def test_an_unknown_account_is_named_with_its_lines():
    invoice = entity("invoice.finalized")
    other = line(invoice, account_code="3100", amount=Decimal("0"))
    problem = the_problem(with_lines(invoice, other, invoice.lines[0], other, total="12500.00"))
    assert problem.startswith("Account 3100 (lines 1, 3) does not exist in PowerOffice Go.")
    assert "7740" not in problem


def test_moments_rounding_account_gets_a_hint():
    invoice = entity("invoice.finalized")
    rounding = line(invoice, account_code="7746", vat_code="0", amount=Decimal("-0.40"))
    problem = the_problem(with_lines(invoice, invoice.lines[0], rounding, total="12499.60"))
    assert problem.startswith("Account 7746 (line 2) does not exist in PowerOffice Go.")
    assert (
        "Moment's default rounding account is 7746, but PowerOffice Go's rounding account is "
        "usually 7740; change the rounding account in Moment to match PowerOffice Go."
    ) in problem


def test_an_unknown_vat_code_is_named_with_its_lines_and_accounts():
    invoice = entity("invoice.finalized")
    problem = the_problem(with_lines(invoice, line(invoice, vat_code="33"), total="12500.00"))
    assert problem == (
        "VAT code 33 (line 1) does not exist in PowerOffice Go. Correct the external VAT code "
        "on account 3000 in Moment (Setup > Accounts) to a code PowerOffice Go has."
    )


def test_an_unknown_department_is_named():
    problem = the_problem(replace(entity("invoice.finalized"), department_code="99"))
    assert problem.startswith("The invoice's department 99 does not exist in PowerOffice Go.")


@pytest.mark.parametrize("invoice_date", [date(2026, 10, 31), date(2026, 10, 1)])
def test_an_invoice_dated_in_a_closed_period(invoice_date):
    invoice = entity("invoice.finalized")
    invoice = replace(invoice, invoice_date=invoice_date, due_date=date(2026, 11, 30))
    assert the_problem(invoice) == (
        f"The invoice date {invoice_date} falls in a period closed in PowerOffice Go (locked up "
        "to and including 2026-10-31). Reopen the period in PowerOffice Go, then transfer the "
        "invoice again."
    )


def test_an_accrual_period_in_a_closed_period():
    invoice = entity("invoice.finalized")
    october = line(invoice, accrual=Accrual(from_=date(2026, 10, 1), to=date(2026, 10, 31)))
    problem = the_problem(with_lines(invoice, october, total="12500.00"))
    assert problem.startswith(
        "The accrual period 2026-10-01–2026-10-31 of line 1 falls in a period closed in "
        "PowerOffice Go (locked up to and including 2026-10-31)."
    )
    assert "settings/preferences/invoicing#invoiceLines" in problem
    assert "reopen the period in PowerOffice Go" in problem


def test_accrual_periods_reaching_back_into_a_closed_period_are_listed_once_each():
    invoice = entity("invoice.finalized")
    autumn = line(invoice, accrual=Accrual(from_=date(2026, 10, 31), to=date(2026, 11, 30)))
    found = problems(with_lines(invoice, autumn, autumn, total="25000.00"))
    assert found == [found[0]]
    assert found[0].startswith(
        "The accrual period 2026-10-31–2026-11-30 of lines 1, 2 starts in a period closed"
    )


def test_lines_that_do_not_add_up_show_both_sums():
    problem = the_problem(replace(entity("invoice.finalized"), total_incl_vat=Decimal("12600.00")))
    assert problem.startswith(
        "The lines do not add up to the invoice total 12600.00: "
        "lines 10000.00 + VAT 2500.00 = 12500.00."
    )
    assert "rounding account" in problem


def test_lines_that_do_not_add_up_either_way_show_both_roundings():
    invoice = entity("invoice.finalized")
    small = line(invoice, amount=Decimal("0.02"))
    problem = the_problem(with_lines(invoice, small, small, small, total="0.10"))
    assert (
        "lines 0.06 + VAT 0.03 (rounded per line) = 0.09, "
        "or + VAT 0.02 (rounded per VAT code) = 0.08"
    ) in problem


def test_sums_are_not_checked_without_every_rate():
    invoice = entity("invoice.finalized")
    found = problems(with_lines(invoice, line(invoice, vat_code=None), total="99"))
    assert len(found) == 1 and "no VAT code" in found[0]


def test_a_credit_note_must_name_its_invoice():
    credit_note = replace(entity("credit_note.finalized"), credited_invoice_number=None)
    problem = the_problem(credit_note, kind="credit_note", credited_invoice_known=True)
    assert problem.startswith("It does not say which invoice it credits")


def test_a_credit_note_for_an_unknown_invoice():
    with pytest.raises(ExportRefused) as caught:
        check(entity("credit_note.finalized"), kind="credit_note", credited_invoice_known=False)
    assert str(caught.value) == (
        "Credit note 10240 was not transferred to PowerOffice Go:\n"
        "- It credits invoice 10234, which was neither transferred from Moment nor found in "
        "PowerOffice Go. Transfer invoice 10234 first, then the credit note."
    )


def test_a_project_number_with_a_dot_is_refused_again():
    invoice = entity("invoice.finalized")
    problem = the_problem(replace(invoice, project=replace(invoice.project, number="2026.17")))
    assert problem.startswith('Project number 2026.17 contains ".", which PowerOffice Go reserves')


def test_a_pdf_above_thirty_megabytes():
    invoice = entity("invoice.finalized")
    big = Attachment(
        filename="faktura.pdf", content_type="application/pdf", content=bytes(31 * 1024 * 1024)
    )
    problem = the_problem(replace(invoice, attachment=big))
    assert problem.startswith("The PDF faktura.pdf is 31.0 MB; PowerOffice Go takes at most 30 MB.")


def test_every_problem_is_listed_in_one_refusal():
    invoice = entity("invoice.finalized")
    broken = replace(
        invoice,
        invoice_date=date(2026, 10, 15),
        department_code="99",
        lines=(line(invoice, vat_code=None), line(invoice, account_code="7746", vat_code="0")),
    )
    with pytest.raises(ExportRefused) as caught:
        check(broken)
    message = str(caught.value)
    assert message.startswith("Invoice 10234 was not transferred to PowerOffice Go:\n- Line 1")
    assert [line[:20] for line in message.split("\n")[1:]] == [
        "- Line 1 (account 30",
        "- Account 7746 (line",
        "- The invoice's depa",
        "- The invoice date 2",
    ]


# --- projects and customers ----------------------------------------------------------------


def test_a_sound_project_resolves_its_department():
    assert check_project(entity("project.changed"), departments=DEPARTMENTS) == 7


def test_a_project_without_department():
    project = replace(entity("project.changed"), department_code=None)
    assert check_project(project, departments={}) is None


def test_a_project_with_an_unknown_department_and_a_dot():
    project = replace(entity("project.changed"), number="10.2", department_code="99")
    with pytest.raises(ExportRefused) as caught:
        check_project(project, departments=DEPARTMENTS)
    heading, dot, department = str(caught.value).split("\n")
    assert heading == "Project 10.2 was not transferred to PowerOffice Go:"
    assert dot.startswith('- Project number 10.2 contains "."')
    assert department.startswith("- The project's department 99 does not exist")


@pytest.mark.parametrize(
    ("delivery_type", "organization_number"),
    [("Print", None), ("Print", "923609016"), ("PdfByEmail", "923609016")],
)
def test_customers_that_powerofficego_takes(delivery_type, organization_number):
    customer = replace(entity("customer.changed"), organization_number=organization_number)
    check_customer(customer, delivery_type=delivery_type)


def test_a_customer_without_organisation_number_when_not_delivered_by_print():
    customer = replace(entity("customer.changed"), organization_number=None)
    with pytest.raises(ExportRefused, match="no organisation number") as caught:
        check_customer(customer, delivery_type="EHF")
    assert "delivery type EHF" in str(caught.value)
    assert "Add the organisation number to the customer in Moment" in str(caught.value)


def test_pdf_by_email_needs_an_email_address_not_an_organisation_number():
    customer = replace(entity("customer.changed"), organization_number=None)
    check_customer(customer, delivery_type="PdfByEmail")

    no_email = replace(customer, invoice_email=None, contact_email=None)
    with pytest.raises(ExportRefused, match="no invoice or contact e-mail address") as caught:
        check_customer(no_email, delivery_type="PdfByEmail")
    assert "delivery type PdfByEmail" in str(caught.value)


@pytest.mark.parametrize(
    ("field", "limit"), [("street", 200), ("street2", 200), ("postal_code", 50), ("city", 100)]
)
def test_an_address_field_longer_than_powerofficego_takes_is_named(field, limit):
    customer = entity("customer.changed")
    long = replace(customer, address=replace(customer.address, **{field: "x" * (limit + 1)}))
    check_customer(
        replace(long, address=replace(long.address, **{field: "x" * limit})), delivery_type="Print"
    )
    with pytest.raises(
        ExportRefused, match=f"{limit + 1} characters long; PowerOffice Go takes at most {limit}"
    ):
        check_customer(long, delivery_type="Print")


def test_a_customer_number_outside_the_ledgers_number_series():
    customer = entity("customer.changed")  # number 10001
    check_customer(customer, delivery_type="Print", number_series=[range(10000, 20000)])
    with pytest.raises(ExportRefused, match="outside the customer ledger's number series") as c:
        check_customer(customer, delivery_type="Print", number_series=[range(20000, 30000)])
    assert "20000–29999" in str(c.value)
    assert c.value.rests_on_lookups


def test_no_known_number_series_refuses_no_number():
    check_customer(entity("customer.changed"), delivery_type="Print", number_series=[])


def with_account(**settings) -> dict:
    return ACCOUNTS | {"3000": ACCOUNTS["3000"] | settings}


def test_an_inactive_account_is_refused():
    problem = the_problem(accounts=with_account(IsActive=False))
    assert problem.startswith("Account 3000 (line 1) is inactive in PowerOffice Go.")


def test_an_account_that_requires_a_project():
    invoice = entity("invoice.finalized")
    check(invoice, accounts=with_account(IsProjectRequired=True))
    problem = the_problem(
        replace(invoice, project=None), accounts=with_account(IsProjectRequired=True)
    )
    assert problem.startswith("Account 3000 (line 1) requires a project in PowerOffice Go")


def test_an_account_that_requires_a_department():
    invoice = replace(entity("invoice.finalized"), department_code=None)
    problem = the_problem(invoice, accounts=with_account(IsDepartmentRequired=True))
    assert problem.startswith("Account 3000 (line 1) requires a department in PowerOffice Go")


def test_an_account_locked_to_another_vat_code_names_both_codes():
    check(accounts=with_account(IsVatCodeLocked=True))  # locked to "3", Moment sends "3"
    problem = the_problem(accounts=with_account(IsVatCodeLocked=True, VatCode="31"))
    assert problem.startswith(
        "Account 3000 (line 1) is locked to VAT code 31 in PowerOffice Go, but Moment sends "
        "VAT code 3. Set the external VAT code on account 3000 in Moment"
    )


def test_an_inactive_department_is_refused():
    problem = the_problem(departments={"20": {"Id": 7, "IsActive": False}})
    assert problem.startswith("The invoice's department 20 is inactive in PowerOffice Go.")


def test_a_refusal_rests_on_the_lookups_only_when_every_problem_does():
    with pytest.raises(ExportRefused) as unknown:
        check(accounts={})
    assert unknown.value.rests_on_lookups
    invoice = entity("invoice.finalized")
    without_vat = replace(invoice, lines=(line(invoice, vat_code=None),))
    with pytest.raises(ExportRefused) as both:
        check(without_vat, accounts={})
    assert not both.value.rests_on_lookups


def test_a_credit_note_whose_invoice_failed_says_to_fix_the_invoice_first():
    refused = credited_invoice_failed(20001, 10042)

    assert str(refused) == (
        "Credit note 20001 was not transferred to PowerOffice Go:\n"
        "- The invoice it credits, 10042, failed to transfer. Fix that invoice first (see its "
        "error e-mail); the credit note can then be transferred again."
    )
    assert not refused.rests_on_lookups


@pytest.mark.parametrize(("kind", "noun"), [("invoice", "Invoice"), ("credit_note", "Credit note")])
def test_a_number_taken_by_a_voucher_we_did_not_post_names_the_voucher(kind, noun):
    refused = number_used_by_another_voucher(kind, 10042, 77)

    assert str(refused) == (
        f"{noun} 10042 was not transferred to PowerOffice Go:\n"
        "- Its number is already used by voucher 77 in PowerOffice Go, which this integration "
        "did not post. If it is the same invoice, keyed in by hand, leave it; otherwise "
        "reverse that voucher in PowerOffice Go and transfer again."
    )
    assert not refused.rests_on_lookups


def test_a_project_whose_customer_is_missing_says_to_transfer_the_customer():
    refused = customer_of_project_missing("1001", "10042")

    assert str(refused) == (
        "Project 1001 was not transferred to PowerOffice Go:\n"
        "- Its customer 10042 is not in PowerOffice Go. Transfer the customer from Moment "
        "(Setup > Tools, customers), then transfer the project again."
    )
    assert not refused.rests_on_lookups
