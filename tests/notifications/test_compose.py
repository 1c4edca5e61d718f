"""The error e-mail's text: which record, what failed, why, what to do, how to re-run."""

from __future__ import annotations

import datetime as dt

import pytest

from sync_worker.notifications.compose import RECONCILIATION, Failure, compose


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
        "failed_at": dt.datetime(2026, 11, 25, 23, 30, tzinfo=dt.UTC),
        "reference": 17,
    }
    return Failure(**(values | overrides))


def sections(text: str) -> dict[str, str]:
    parts = {}
    for block in text.split("\n\n"):
        title, _, rest = block.partition(":\n")
        parts[title] = rest
    return parts


def test_every_email_names_record_step_reason_action_and_rerun():
    email = compose(failure())
    assert email.subject == (
        "[sync-worker] acme: invoice 10234 was not transferred to PowerOffice Go"
    )
    parts = sections(email.body)
    assert 'The step "voucher" failed at 2026-11-26 00:30 (Norwegian time)' in parts["What failed"]
    assert "PowerOffice Go refused it" in parts["Why"]
    assert "correct the data in Moment" in parts["What to do"]
    assert parts["PowerOffice Go's own message (HTTP 400)"] == "VatId 99 does not exist."
    assert "sync-worker retry 17" in parts["How to run it again"]


@pytest.mark.parametrize(
    ("error_type", "why", "to_do"),
    [
        ("ExportRefused", "stopped before anything was written", "Moment is the master"),
        ("AuthenticationFailed", "did not accept the client key", "Settings > Extensions"),
        ("TransientError", "could not be reached", "Nothing is lost"),
        ("RateLimited", "could not be reached", "Nothing is lost"),
        ("AlreadyExists", "already has a record with this number", "correct the data"),
    ],
)
def test_each_kind_of_error_explains_itself(error_type, why, to_do):
    parts = sections(compose(failure(error_type=error_type)).body)
    assert why in parts["Why"]
    assert to_do in parts["What to do"]


def test_forbidden_says_which_privilege_is_missing():
    parts = sections(compose(failure(http_status=403)).body)
    assert "lacks a privilege" in parts["Why"]


def test_customers_and_projects_are_rerun_from_setup_tools():
    parts = sections(compose(failure(kind="project", number="2026-017")).body)
    assert "Setup > Tools" in parts["How to run it again"]
    assert "sync-worker transfer projects 2026-017 --tenant acme" in parts["How to run it again"]


def test_a_missing_pdf_says_the_voucher_is_posted():
    body = compose(failure(step="attachment")).body
    assert "voucher itself is posted" in body and "never posts the voucher a second time" in body
    assert "Nothing was half-written" not in body


def test_an_expense_import_failure():
    email = compose(failure(kind="expense_import", number="2026-11-25", step="expense_import"))
    assert "expense import" in email.subject
    assert "sync-worker import-expenses --tenant acme" in email.body


def test_a_nightly_reconciliation_that_failed_for_good():
    email = compose(
        failure(
            kind=RECONCILIATION,
            number="2026-12-02",
            step=RECONCILIATION,
            error_type="ApiRejected",
            http_status=403,
        )
    )
    assert email.subject == (
        "[sync-worker] acme: the nightly reconciliation with PowerOffice Go failed"
    )
    assert email.body.startswith("The reconciliation of 2026-12-02 failed.")
    assert "runs again on its own next night" in email.body
    assert "sync-worker reconcile --tenant acme --from" in email.body


def test_a_kind_no_longer_registered_still_gets_its_email():
    email = compose(failure(kind="purchase_order", number="77"))
    assert "purchase order 77" in email.subject
    assert "sync-worker retry 17" in email.body


def test_retries_used_up_say_how_many_tries_not_how_long():
    email = compose(failure(error_type="TransientError", attempts=4, message="timeout"))
    assert "4 attempts in a row" in email.body
    assert "hour" not in email.body


def test_names_and_numbers_are_escaped_and_the_subject_is_one_line():
    email = compose(
        failure(
            kind="project",
            number="2026\r\nBcc: intruder@example.com",
            tenant_code="acme\u2028x",
            message="line one\r\nline two\x1b[31m",
            detail="<b>Code</b>\ttaken\r",
        )
    )
    assert email.subject == (
        "[sync-worker] acme\\u2028x: project 2026\\r\\nBcc: intruder@example.com was not "
        "transferred to PowerOffice Go"
    )
    parts = sections(email.body)
    assert parts["PowerOffice Go's own message (HTTP 400)"] == "<b>Code</b>\ttaken"
    assert "sync-worker transfer projects 2026\\r\\nBcc: intruder@example.com" in email.body
    assert "\r" not in email.body and "\x1b" not in email.body
