"""The error e-mail's text, in bokmål and English: which company and record, what was
wrong in words, PowerOffice Go's own message, and what to do that works."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from sandbox.sample_data import SampleCompany
from sync_worker.notifications.compose import (
    EXPENSE_IMPORT,
    RECONCILIATION,
    Document,
    Failure,
    compose,
    document_from_payload,
    money,
)
from sync_worker.remedies import Fix

FAILED_AT = dt.datetime(2026, 11, 25, 23, 30, tzinfo=dt.UTC)
UNTIL = dt.datetime(2026, 12, 2, 23, 30, tzinfo=dt.UTC)
REFUSED_ON_LOOKUPS = (
    "Invoice 10234 was not transferred to PowerOffice Go:\n"
    "- Account 3999 (line 1) does not exist in PowerOffice Go. Make the chart of accounts in "
    "Moment match PowerOffice Go's."
)
STEP_NAMES = ('"voucher"', "attachment", '"rules"', "step ")


def failure(**overrides) -> Failure:
    values = {
        "tenant_code": "acme",
        "kind": "invoice",
        "number": "10234",
        "step": "voucher",
        "error_type": "ApiRejected",
        "message": "POST /Vouchers/OutgoingInvoiceJournals: 400",
        "detail": "VatId 99 does not exist.",
        "http_status": 400,
        "attempts": 1,
        "failed_at": FAILED_AT,
        "reference": 17,
        "company": "Acme Rådgivning AS",
        "document": Document(
            customer_name="Fjellnord Regnskap AS",
            customer_number="10001",
            invoice_date=dt.date(2026, 11, 25),
            total=Decimal("12345.5"),
        ),
    }
    return Failure(**(values | overrides))


def on_lookups(**overrides) -> Failure:
    """A refusal whose fix lies in PowerOffice Go, inside its re-check window."""
    values = {
        "step": "rules",
        "error_type": "ExportRefused",
        "message": REFUSED_ON_LOOKUPS,
        "detail": None,
        "http_status": None,
        "fix": Fix.POWEROFFICE_GO,
        "recheck_until": UNTIL,
    }
    return failure(**(values | overrides))


def sections(text: str) -> dict[str, str]:
    parts = {}
    for block in text.split("\n\n"):
        title, _, rest = block.partition(":\n")
        parts[title] = rest
    return parts


def test_a_bokmal_email_names_company_invoice_customer_date_and_amount():
    email = compose(failure())
    assert email.subject == (
        "[sync-worker] Acme Rådgivning AS: faktura 10234 ble ikke overført til PowerOffice Go"
    )
    about = sections(email.body)["Gjelder"]
    assert about.splitlines() == [
        "Firma: Acme Rådgivning AS",
        "Faktura: 10234",
        "Kunde: Fjellnord Regnskap AS (kundenr. 10001)",
        "Fakturadato: 25.11.2026",
        "Beløp: 12 345,50 kr",
        "Feilet: 26.11.2026 kl. 00.30",
    ]
    parts = sections(email.body)
    assert parts["PowerOffice Gos egen melding (HTTP 400)"] == "VatId 99 does not exist."
    assert "rett dataene i Moment" in parts["Hva du gjør"]
    assert "send fakturaen på nytt fra Moment" in parts["Hva du gjør"]


def test_an_english_email_says_the_same():
    email = compose(failure(language="en"))
    assert email.subject == (
        "[sync-worker] Acme Rådgivning AS: invoice 10234 was not transferred to PowerOffice Go"
    )
    about = sections(email.body)["About"]
    assert "Customer: Fjellnord Regnskap AS (customer no. 10001)" in about
    assert "Invoice date: 2026-11-25" in about
    assert "Amount: NOK 12,345.50" in about
    assert "Failed: 2026-11-26 00:30 (Norwegian time)" in about
    parts = sections(email.body)
    assert parts["PowerOffice Go's own message (HTTP 400)"] == "VatId 99 does not exist."
    assert "send the invoice again from Moment" in parts["What to do"]


def test_an_unknown_language_falls_back_to_bokmal():
    assert "ble ikke overført" in compose(failure(language="de")).subject


def test_a_company_without_a_name_is_named_by_its_code():
    assert compose(failure(company="")).subject.startswith("[sync-worker] acme: ")


@pytest.mark.parametrize(
    ("amount", "currency", "nb", "en"),
    [
        ("12345.00", "NOK", "12 345,00 kr", "NOK 12,345.00"),
        ("1234567.891", "NOK", "1 234 567,89 kr", "NOK 1,234,567.89"),
        ("-55250", "NOK", "-55 250,00 kr", "NOK -55,250.00"),
        ("0.5", "EUR", "0,50 EUR", "EUR 0.50"),
    ],
)
def test_amounts_are_written_as_each_language_writes_them(amount, currency, nb, en):
    assert money(Decimal(amount), currency, "nb") == nb
    assert money(Decimal(amount), currency, "en") == en


def test_a_fix_in_poweroffice_go_is_rechecked_by_the_system():
    parts = sections(compose(on_lookups()).body)
    assert parts["Hva som var galt"].splitlines() == [
        "PowerOffice Go mangler noe fakturaen trenger, så overføringen ble stoppet før noe ble "
        "skrevet dit:",
        "- Account 3999 (line 1) does not exist in PowerOffice Go. Make the chart of accounts in "
        "Moment match PowerOffice Go's.",
    ]
    to_do = parts["Hva du gjør"]
    assert "Rett det som står over i PowerOffice Go" in to_do
    assert (
        "Vi prøver igjen automatisk hver time fram til 03.12.2026 kl. 00.30; du trenger ikke "
        "gjøre noe mer i Moment." in to_do
    )
    assert "sync-worker retry" not in compose(on_lookups()).body


def test_the_recheck_in_english_and_at_another_interval():
    email = compose(on_lookups(language="en", recheck_every_seconds=1800))
    assert (
        "The system tries again by itself every 30 minutes until 2026-12-03 00:30 (Norwegian "
        "time); nothing more needs doing in Moment." in email.body
    )
    assert "every 2 hours" in compose(on_lookups(language="en", recheck_every_seconds=7200)).body


def test_a_fix_in_poweroffice_go_no_longer_rechecked_gives_the_operator_the_retry():
    body = compose(on_lookups(recheck_until=None)).body
    assert "Vi prøver igjen automatisk" not in body
    assert "sync-worker retry 17" in sections(body)["For driftsansvarlig"]


def test_a_customer_fixed_in_poweroffice_go_may_also_be_transferred_from_setup_tools():
    body = compose(on_lookups(kind="customer", number="10001", document=None)).body
    assert "Oppsett > Verktøy" in body and "Vi prøver igjen automatisk" in body


# (error type, HTTP status, fix) → a phrase of "what to do" in nb and en, and whether the
# operator's retry helps.
CASES = [
    ("ExportRefused", None, Fix.MOMENT, "Rett det som står over i Moment", "in Moment", False),
    ("InvalidMessage", None, None, "Rett det som står over i Moment", "in Moment", False),
    ("ApiRejected", 400, None, "rett dataene i Moment", "correct the data in Moment", False),
    ("AlreadyExists", 400, None, "rett dataene i Moment", "correct the data in Moment", False),
    ("NotFound", 404, None, "rett dataene i Moment", "correct the data in Moment", False),
    ("AuthenticationFailed", 400, None, "Meny > Innstillinger", "Settings > Extensions", True),
    ("ApiRejected", 403, None, "PowerOffice Go-support", "PowerOffice Go support", True),
    ("TransientError", 503, None, "Ingenting er tapt", "Nothing is lost", True),
    ("RateLimited", 429, None, "Ingenting er tapt", "Nothing is lost", True),
    ("ChangedAfterPosting", None, None, "krediterer du fakturaen", "credit the invoice", False),
    ("PermanentError", None, None, "oppgi referanse 17", "give reference 17", True),
]


@pytest.mark.parametrize(("error_type", "status", "fix", "nb", "en", "retry"), CASES)
def test_each_kind_of_error_says_what_to_do_that_works(error_type, status, fix, nb, en, retry):
    for language, phrase, heading in (("nb", nb, "Hva du gjør"), ("en", en, "What to do")):
        email = compose(
            failure(error_type=error_type, http_status=status, fix=fix, language=language)
        )
        assert phrase in sections(email.body)[heading]
        assert ("sync-worker retry 17" in email.body) is retry
        assert not [name for name in STEP_NAMES if name in email.body], email.body


def test_a_wrong_client_key_gives_the_operator_the_commands():
    body = compose(failure(error_type="AuthenticationFailed", http_status=400)).body
    operator = sections(body)["For driftsansvarlig"]
    assert operator.splitlines() == [
        "sync-worker tenant update acme --client-key",
        "sync-worker retry 17",
    ]


def test_retries_used_up_say_how_many_tries_and_quote_the_last_error():
    email = compose(failure(error_type="TransientError", attempts=4, http_status=503))
    assert "Feilet: 26.11.2026 kl. 00.30, etter 4 forsøk" in email.body
    assert "(HTTP 503) 4 ganger på rad" in email.body
    assert "Siste feil: POST /Vouchers/OutgoingInvoiceJournals: 400" in email.body


def test_a_missing_pdf_says_the_invoice_is_posted_and_how_to_upload_it():
    body = compose(failure(step="attachment", error_type="TransientError", http_status=503)).body
    assert "Fakturaen er bokført i PowerOffice Go; bare PDF-en mangler" in body
    assert "bokfører aldri fakturaen en gang til" in body
    assert "sync-worker retry 17" in body
    assert "attachment" not in body


def test_an_expense_import_failure():
    email = compose(
        failure(kind=EXPENSE_IMPORT, number="2026-11-25", step=EXPENSE_IMPORT, document=None)
    )
    assert email.subject == (
        "[sync-worker] Acme Rådgivning AS: importen av utgifter fra PowerOffice Go feilet"
    )
    assert email.body.startswith("Importen av utgifter fra PowerOffice Go 25.11.2026 feilet")
    assert "sync-worker import-expenses --tenant acme" in email.body


def test_a_nightly_reconciliation_that_failed_for_good():
    email = compose(
        failure(
            kind=RECONCILIATION,
            number="2026-12-02",
            step=RECONCILIATION,
            http_status=403,
            document=None,
            language="en",
        )
    )
    assert email.subject == (
        "[sync-worker] Acme Rådgivning AS: the nightly reconciliation with PowerOffice Go failed"
    )
    assert email.body.startswith("The reconciliation with PowerOffice Go of 2026-12-02 failed")
    assert "privileges" in email.body
    assert "sync-worker reconcile --tenant acme --from" in email.body


def test_a_kind_no_longer_registered_still_gets_its_email():
    email = compose(failure(kind="purchase_order", number="77", error_type="TransientError"))
    assert "purchase order 77" in email.subject
    assert "sync-worker retry 17" in email.body


def test_the_document_is_read_from_the_message_payload():
    company = SampleCompany("acme", seed=3)
    customer = company.customer()
    invoice = company.invoice(customer, company.project(customer))
    document = document_from_payload(company.message("invoice.finalized", invoice))
    assert document == Document(
        customer_name=customer["name"],
        customer_number=customer["number"],
        invoice_date=dt.date.fromisoformat(invoice["invoice_date"]),
        total=Decimal(invoice["total_incl_vat"]),
        currency="NOK",
    )
    project = document_from_payload(company.message("project.changed", company.project(customer)))
    assert project.customer_number == customer["number"] and project.name
    assert document_from_payload({"data": "not a record"}) is None


def test_names_and_numbers_are_escaped_and_the_subject_is_one_line():
    email = compose(
        failure(
            kind="project",
            number="2026\r\nBcc: intruder@example.com",
            company="Acme\u2028x",
            message="line one\r\nline two\x1b[31m",
            detail="<b>Code</b>\ttaken\r",
            document=Document(name="Revisjon\r\nX-Evil: 1", customer_name="Kunde\x00AS"),
        )
    )
    assert email.subject == (
        "[sync-worker] Acme\\u2028x: prosjekt 2026\\r\\nBcc: intruder@example.com ble ikke "
        "overført til PowerOffice Go"
    )
    parts = sections(email.body)
    assert parts["PowerOffice Gos egen melding (HTTP 400)"] == "<b>Code</b>\ttaken"
    assert "Revisjon\\r\\nX-Evil: 1" in parts["Gjelder"]
    assert "Kunde\\x00AS" in parts["Gjelder"]
    assert "\r" not in email.body and "\x1b" not in email.body and "\x00" not in email.body
