"""The selection rules, pure: Moment's promise line by line."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from sync_worker.expenses.selection import (
    EXPENSE_VOUCHER_TYPES,
    SkipReason,
    Window,
    account_filter,
    amount_incl_vat,
    import_window,
    is_billable,
    select_expenses,
    source_id,
    voucher_types,
)

UTC = dt.UTC
WINDOW = Window(dt.date(2026, 11, 23), dt.date(2026, 11, 25))
PROJECTS = {"2026-017": None, "2026-018": True, "2026-019": False}


def row(**fields) -> dict:
    base = {
        "Id": 1000042,
        "VoucherId": "0F6C2D1E-7A51-4C55-9B1B-3C1A0F7E9D20",
        "VoucherNo": 10001,
        "VoucherType": "IncomingInvoice",
        "AccountNo": 7140,
        "Amount": Decimal("2000.00"),
        "VatAmount": Decimal("240.00"),
        "ProjectCode": "2026-017",
        "IsReversed": False,
        "PostingDate": "2026-11-24",
        "VoucherDate": "2026-11-24",
        "Description": "Flybilletter Oslo–Bergen",
        "VoucherDescription": "Norwegian faktura 884213",
        "SupplierAccountNo": None,  # the ledger names the supplier on its own line only
        "ExternalImportReference": None,
        "ReversedVoucherId": None,
    }
    return {**base, **fields}


def select(rows, *, billable_default=False, threshold=4000, types=EXPENSE_VOUCHER_TYPES):
    return select_expenses(
        rows,
        projects=PROJECTS,
        threshold=threshold,
        window=WINDOW,
        billable_default=billable_default,
        voucher_types=types,
    )


# --- the window: "2 days back in time, from today's date", in Norway ---------------------


@pytest.mark.parametrize(
    ("now", "first", "last"),
    [
        # Across midnight UTC: Oslo is already on the next day.
        (dt.datetime(2026, 11, 25, 22, 59, tzinfo=UTC), "2026-11-23", "2026-11-25"),
        (dt.datetime(2026, 11, 25, 23, 30, tzinfo=UTC), "2026-11-24", "2026-11-26"),
        # The spring DST change (2026-03-29 02:00 CET → 03:00 CEST).
        (dt.datetime(2026, 3, 28, 22, 59, tzinfo=UTC), "2026-03-26", "2026-03-28"),
        (dt.datetime(2026, 3, 28, 23, 30, tzinfo=UTC), "2026-03-27", "2026-03-29"),
        (dt.datetime(2026, 3, 29, 21, 59, tzinfo=UTC), "2026-03-27", "2026-03-29"),
        (dt.datetime(2026, 3, 29, 22, 0, tzinfo=UTC), "2026-03-28", "2026-03-30"),
        # The autumn DST change (2026-10-25 03:00 CEST → 02:00 CET).
        (dt.datetime(2026, 10, 24, 21, 59, tzinfo=UTC), "2026-10-22", "2026-10-24"),
        (dt.datetime(2026, 10, 24, 22, 0, tzinfo=UTC), "2026-10-23", "2026-10-25"),
        (dt.datetime(2026, 10, 25, 22, 59, tzinfo=UTC), "2026-10-23", "2026-10-25"),
        (dt.datetime(2026, 10, 25, 23, 0, tzinfo=UTC), "2026-10-24", "2026-10-26"),
    ],
)
def test_the_window_is_today_and_two_days_back_in_oslo(now, first, last):
    window = import_window(2, now)
    assert (window.from_date.isoformat(), window.to_date.isoformat()) == (first, last)


def test_a_look_back_of_zero_is_today_only():
    now = dt.datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    assert import_window(0, now) == Window(dt.date(2026, 11, 25), dt.date(2026, 11, 25))


def test_a_naive_now_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        import_window(2, dt.datetime(2026, 11, 25, 12, 0))


@pytest.mark.parametrize(
    ("posted", "inside"),
    [
        ("2026-11-22", False),
        ("2026-11-23", True),
        ("2026-11-25", True),
        ("2026-11-25T00:00:00", True),  # date fields sometimes carry a time part
        ("2026-11-26", False),
    ],
)
def test_the_window_is_inclusive_at_both_ends(posted, inside):
    selection = select([row(PostingDate=posted)])
    assert len(selection.candidates) == int(inside)
    if not inside:
        assert selection.skipped == {SkipReason.OUTSIDE_WINDOW: 1}


# --- "all expenses posted on account > 4000" ---------------------------------------------


def test_the_account_filter_is_strictly_above_the_threshold():
    assert account_filter(4000) == "4001-"
    assert account_filter(6999) == "7000-"


@pytest.mark.parametrize(
    ("account", "included"),
    [
        (2400, False),
        (3000, False),
        (4000, False),
        (4001, True),
        (6540, True),
        (7140, True),
        (8150, True),
        ("7140", True),
        (None, False),
    ],
)
def test_only_accounts_above_4000_are_expenses(account, included):
    selection = select([row(AccountNo=account)])
    assert len(selection.candidates) == int(included)
    assert selection.skipped == ({} if included else {SkipReason.ACCOUNT: 1})


def test_the_threshold_is_the_tenants():
    assert not select([row(AccountNo=4001)], threshold=5000).candidates
    assert select([row(AccountNo=5001)], threshold=5000).candidates


# --- projects, reversals ------------------------------------------------------------------


@pytest.mark.parametrize("project", ["2099-001", None, "2026-017.1"])
def test_only_projects_known_in_moment(project):
    selection = select([row(ProjectCode=project)])
    assert not selection.candidates
    assert selection.skipped == {SkipReason.PROJECT: 1}


def test_reversed_vouchers_are_left_out():
    selection = select([row(IsReversed=True)])
    assert not selection.candidates
    assert selection.skipped == {SkipReason.REVERSED: 1}


@pytest.mark.parametrize("voucher_type", EXPENSE_VOUCHER_TYPES)
def test_expense_like_vouchers_are_expenses(voucher_type):
    assert select([row(VoucherType=voucher_type)]).candidates


@pytest.mark.parametrize(
    "voucher_type",
    ["OutgoingInvoice", "OutgoingCreditNote", "PayrollJournal", "ReversalVoucher", None],
)
def test_other_vouchers_are_not_even_when_poweroffice_go_sends_them(voucher_type):
    selection = select([row(VoucherType=voucher_type)])
    assert not selection.candidates
    assert selection.skipped == {SkipReason.VOUCHER_TYPE: 1}


def test_the_tenant_can_narrow_the_voucher_types():
    types = ("IncomingInvoice",)
    assert select([row(VoucherType="IncomingInvoice")], types=types).candidates
    assert not select([row(VoucherType="ManualJournal")], types=types).candidates


def test_nothing_this_integration_posted_is_an_expense():
    selection = select([row(VoucherType="ManualJournal", ExternalImportReference="moment:acme:x")])
    assert selection.skipped == {SkipReason.OWN: 1}
    assert select([row(ExternalImportReference="ehf-import-7781")]).candidates


def test_a_reversal_voucher_is_left_out_whatever_its_type():
    selection = select([row(VoucherType="ManualJournal", ReversedVoucherId="0f6c2d1e")])
    assert selection.skipped == {SkipReason.REVERSAL: 1}


def test_the_voucher_types_setting():
    assert voucher_types("") == EXPENSE_VOUCHER_TYPES
    assert voucher_types(" manualjournal, IncomingInvoice ") == ("IncomingInvoice", "ManualJournal")
    with pytest.raises(ValueError, match="'PayrollJournal' is not one of IncomingInvoice"):
        voucher_types("IncomingInvoice,PayrollJournal")
    with pytest.raises(ValueError, match="'OutgoingInvoice'"):
        voucher_types("OutgoingInvoice")


def test_a_line_is_counted_under_the_first_rule_it_breaks():
    selection = select([row(AccountNo=3000, ProjectCode="nope", IsReversed=True)])
    assert selection.skipped == {SkipReason.ACCOUNT: 1}


# --- billable -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("override", "default", "billable"),
    [(None, True, True), (None, False, False), (True, False, True), (False, True, False)],
)
def test_the_projects_override_wins_over_the_tenants_default(override, default, billable):
    assert is_billable(override, default) is billable


@pytest.mark.parametrize("default", [True, False])
def test_billable_per_project_in_a_selection(default):
    rows = [
        row(Id=1, ProjectCode="2026-017"),  # no override: the tenant's default
        row(Id=2, ProjectCode="2026-018"),  # override: billable
        row(Id=3, ProjectCode="2026-019"),  # override: not billable
    ]
    billable = {
        c.project_number: c.billable for c in select(rows, billable_default=default).candidates
    }
    assert billable == {"2026-017": default, "2026-018": True, "2026-019": False}


# --- the expense itself -------------------------------------------------------------------


def test_the_amount_includes_vat_and_stays_decimal():
    assert amount_incl_vat(row(Amount=Decimal("1999.99"), VatAmount=Decimal("0.01"))) == Decimal(
        "2000.00"
    )
    assert amount_incl_vat(row(Amount=2000, VatAmount=None)) == Decimal("2000")
    value = amount_incl_vat(row(Amount=Decimal("0.1"), VatAmount=Decimal("0.2")))
    assert value == Decimal("0.3") and isinstance(value, Decimal)


def test_a_candidate_carries_what_moment_needs():
    (candidate,) = select([row()]).candidates
    assert candidate.source_id == ("pogo:voucher:0f6c2d1e-7a51-4c55-9b1b-3c1a0f7e9d20:line:1000042")
    assert candidate.project_number == "2026-017"
    assert candidate.description == "Flybilletter Oslo–Bergen"
    assert candidate.amount_incl_vat == Decimal("2240.00")
    assert candidate.voucher_type == "IncomingInvoice"
    assert candidate.invoice_date == dt.date(2026, 11, 24)
    assert candidate.account_code == "7140"
    assert candidate.voucher_no == 10001


def test_the_voucher_description_stands_in_for_a_missing_line_description():
    (candidate,) = select([row(Description="")]).candidates
    assert candidate.description == "Norwegian faktura 884213"


def test_the_invoice_date_is_the_voucher_date_not_the_posting_date():
    (candidate,) = select([row(VoucherDate="2026-11-20", PostingDate="2026-11-24")]).candidates
    assert candidate.invoice_date == dt.date(2026, 11, 20)


def test_the_source_id_is_stable_and_per_line():
    assert source_id(row()) == source_id(dict(row(), Amount=Decimal("1"), Description="x"))
    assert source_id(row(Id=1)) != source_id(row(Id=2))


def test_a_row_repeated_across_pages_counts_once():
    assert len(select([row(), row()]).candidates) == 1
