"""Where the fix of a failure lies, from the error alone: the one decision the e-mail's
advice and the system's re-check share."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from sync_worker import errors
from sync_worker.errors import ExportRefused
from sync_worker.mapping import check_invoice
from sync_worker.remedies import Fix, error_class, fix_for, fix_for_record
from tests.schemas.examples import entity

ACCOUNTS = {"3000": {"Id": 3001, "AccountNo": 3000, "VatCode": "3"}}
VAT_CODES = {"3": {"Id": 31, "Rate": 0.25}}


def refusal(invoice=None, **lookups) -> ExportRefused:
    arguments = {
        "kind": "invoice",
        "accounts": ACCOUNTS,
        "vat_codes": VAT_CODES,
        "departments": {},
        "lock_date": None,
    } | lookups
    with pytest.raises(ExportRefused) as caught:
        check_invoice(invoice or entity("invoice.finalized"), **arguments)
    return caught.value


def with_line(**changes):
    invoice = entity("invoice.finalized")
    return replace(invoice, lines=(replace(invoice.lines[0], **changes), *invoice.lines[1:]))


def test_an_account_missing_in_poweroffice_go_is_fixed_there():
    assert fix_for(refusal(accounts={})) is Fix.POWEROFFICE_GO


def test_a_vat_code_missing_in_poweroffice_go_is_fixed_there():
    assert fix_for(refusal(vat_codes={})) is Fix.POWEROFFICE_GO


def test_a_closed_period_is_fixed_in_poweroffice_go():
    assert fix_for(refusal(lock_date=date(2100, 1, 1))) is Fix.POWEROFFICE_GO


def test_a_missing_department_is_fixed_in_poweroffice_go():
    invoice = replace(entity("invoice.finalized"), department_code="99")
    assert fix_for(refusal(invoice)) is Fix.POWEROFFICE_GO


def test_a_vat_code_missing_on_moments_line_is_fixed_in_moment():
    assert fix_for(refusal(with_line(vat_code=None))) is Fix.MOMENT


def test_one_problem_of_moments_among_poweroffice_gos_is_fixed_in_moment():
    """A fresh look at PowerOffice Go cannot mend the VAT code Moment left out."""
    assert fix_for(refusal(with_line(vat_code=None), accounts={})) is Fix.MOMENT


@pytest.mark.parametrize(
    ("error", "fix"),
    [
        (errors.InvalidMessage("data.number: not a number"), Fix.MOMENT),
        (errors.ApiRejected("POST /Vouchers: 400", http_status=400), Fix.MOMENT),
        (errors.AlreadyExists("POST /Customers: 400", http_status=400), Fix.MOMENT),
        (errors.NotFound("GET /Customers/1: 404", http_status=404), Fix.MOMENT),
        (errors.ApiRejected("POST /Vouchers: 403", http_status=403), Fix.SETUP),
        (errors.AuthenticationFailed("token: 400 invalid_client", http_status=400), Fix.SETUP),
        (errors.TransientError("POST /Vouchers: 503", http_status=503), Fix.NOWHERE),
        (errors.RateLimited("POST /Vouchers: 429", http_status=429), Fix.NOWHERE),
        (errors.ChangedAfterPosting("invoice 1 changed after it was posted"), Fix.NOWHERE),
        (errors.PermanentError("an internal error stopped the transfer (TypeError)"), Fix.OPERATOR),
    ],
)
def test_every_error_class_has_its_place(error, fix):
    assert fix_for(error) is fix
    # Read back from the history, by class name, the decision is the same.
    assert fix_for_record(type(error).__name__, error.http_status, rests_on_lookups=False) is fix


def test_an_export_refusal_read_back_needs_its_recheck_window_to_say_poweroffice_go():
    assert fix_for_record("ExportRefused", None, rests_on_lookups=True) is Fix.POWEROFFICE_GO
    assert fix_for_record("ExportRefused", None, rests_on_lookups=False) is Fix.MOMENT


def test_a_class_no_longer_known_is_a_plain_sync_error():
    assert error_class("VanishedError") is errors.SyncError
    assert error_class("annotations") is errors.SyncError  # in the module, not an error
    assert fix_for_record("VanishedError", None, rests_on_lookups=False) is Fix.OPERATOR
