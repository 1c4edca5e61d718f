"""Outgoing vouchers in the ledger: the VAT derived from gross lines, and the account
transactions a posted invoice or credit note leaves behind."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sandbox.openapi.validator import validate_response
from tests.sandbox.simulator.builders import Ids, create_project, post_invoice
from tests.sandbox.simulator.raw import data

JOURNAL = "/Vouchers/OutgoingInvoiceJournals"
NOV = {"fromDate": "2026-11-01", "toDate": "2026-11-30"}
EUR_RATE = Decimal("11.62")


def _voucher(
    ids: Ids, customer: dict, lines: list[tuple], invoice_no: str = "10234", **header
) -> dict:
    """A voucher body of (account no, VAT code or None, gross) lines, the total their sum."""
    return {
        "InvoiceNo": invoice_no,
        "VoucherDate": "2026-11-25",
        "CustomerAccountId": customer["SubledgerAccountId"],
        "CurrencyAmount": sum((Decimal(gross) for _, _, gross in lines), Decimal(0)),
        "Description": "Konsulentbistand november",
        "OutgoingInvoiceLines": [
            {
                "AccountId": ids.accounts[account_no],
                "VatId": ids.vat_codes[vat_code] if vat_code else None,
                "CurrencyAmount": Decimal(gross),
                "Description": f"Linje {index}",
            }
            for index, (account_no, vat_code, gross) in enumerate(lines)
        ],
        **header,
    }


def _rows(api, **params) -> list[dict]:
    """November's account transactions (none: 204, no body)."""
    response = api.get("/AccountTransactions", **NOV, **params)
    return [] if response.status_code == 204 else data(response)


def _transactions(api, voucher_id: str) -> list[dict]:
    return [row for row in _rows(api) if row["VoucherId"] == voucher_id]


def _lines(rows: list[dict]) -> list[tuple]:
    """(account, amount, VAT, VAT code) of the rows, in the order they were posted."""
    return [(row["AccountNo"], row["Amount"], row["VatAmount"], row["VatCode"]) for row in rows]


@pytest.mark.parametrize(
    ("vat_code", "gross", "net", "vat"),
    [
        ("3", "1250.00", "1000.00", "250.00"),
        ("3", "100.01", "80.01", "20.00"),
        ("31", "1150.00", "1000.00", "150.00"),
        ("31", "99.99", "86.95", "13.04"),
        ("33", "0.14", "0.13", "0.01"),  # 0.125 exactly: half rounds up
        ("5", "1000.00", "1000.00", "0.00"),
        (None, "0.40", "0.40", "0.00"),
    ],
)
def test_vat_is_derived_per_line_from_its_code(api, ids, customer, vat_code, gross, net, vat):
    account_no = 7740 if vat_code is None else 3000
    created = post_invoice(api, _voucher(ids, customer, [(account_no, vat_code, gross)]))

    [line] = [row for row in _transactions(api, created["Id"]) if row["AccountNo"] == account_no]

    assert line["CurrencyAmount"] == -Decimal(net)
    assert line["Amount"] == -Decimal(net)
    assert line["VatAmount"] == -Decimal(vat)
    assert line["VatCode"] == vat_code


def test_no_negative_zero_goes_on_the_wire(api, ids, customer):
    post_invoice(api, _voucher(ids, customer, [(3000, "5", "1000.00")]))

    response = api.get("/AccountTransactions", **NOV)

    assert b'"VatAmount":0.00' in response.content
    assert b"-0.00" not in response.content


def test_lines_at_25_and_15_percent_and_a_rounding_line(api, ids, customer):
    lines = [(3000, "3", "1250.00"), (3000, "31", "575.00"), (7740, None, "0.01")]
    created = post_invoice(api, _voucher(ids, customer, lines))

    rows = _transactions(api, created["Id"])

    assert _lines(rows) == [
        (3000, Decimal("-1000.00"), Decimal("-250.00"), "3"),
        (3000, Decimal("-500.00"), Decimal("-75.00"), "31"),
        (7740, Decimal("-0.01"), Decimal("0.00"), None),
        (2700, Decimal("-325.00"), Decimal("0.00"), None),
        (1500, Decimal("1825.01"), Decimal("0.00"), None),
    ]
    assert sum(row["Amount"] for row in rows) == 0
    invoice = data(api.get(f"/OutgoingInvoices/{created['Id']}"))
    assert invoice["NetAmount"] == Decimal("1500.01")
    assert invoice["TotalAmount"] - invoice["NetAmount"] == Decimal("325.00")


def test_foreign_currency_lines_are_posted_in_nok(api, ids, customer):
    body = _voucher(
        ids, customer, [(3000, "3", "125.00")], CurrencyCode="EUR", CurrencyExchangeRate=EUR_RATE
    )
    created = post_invoice(api, body)

    rows = _transactions(api, created["Id"])

    assert [(row["AccountNo"], row["CurrencyAmount"], row["Amount"]) for row in rows] == [
        (3000, Decimal("-100.00"), Decimal("-1162.00")),
        (2700, Decimal("-25.00"), Decimal("-290.50")),
        (1500, Decimal("125.00"), Decimal("1452.50")),
    ]
    assert rows[0]["VatAmount"] == Decimal("-290.50")
    assert {row["CurrencyCode"] for row in rows} == {"EUR"}
    assert data(api.get(f"/OutgoingInvoices/{created['Id']}"))["NetAmount"] == Decimal("100.00")


def test_nok_rounding_is_left_on_the_customer_ledger(api, ids, customer):
    """EUR 0.04 is NOK 0.46, but its net (0.03) and VAT (0.01) convert to 0.35 and 0.12."""
    body = _voucher(
        ids, customer, [(3000, "3", "0.04")], CurrencyCode="EUR", CurrencyExchangeRate=EUR_RATE
    )
    created = post_invoice(api, body)

    rows = _transactions(api, created["Id"])

    assert [row["Amount"] for row in rows] == [Decimal("-0.35"), Decimal("-0.12"), Decimal("0.47")]
    assert sum(row["CurrencyAmount"] for row in rows) == 0


def test_income_lines_carry_project_department_and_voucher(api, ids, customer):
    header_project = create_project(api, "2026-017", CustomerNo=10001)
    line_project = create_project(api, "2026-018", CustomerNo=10001)
    body = _voucher(
        ids,
        customer,
        [(3000, "3", "1250.00"), (3000, "3", "625.00")],
        ProjectId=header_project["Id"],
        DepartmentId=ids.departments["20"],
    )
    body["OutgoingInvoiceLines"][1]["ProjectId"] = line_project["Id"]
    created = post_invoice(api, body)
    voucher_no = data(api.get(f"{JOURNAL}/{created['Id']}"))["VoucherNo"]

    first, second, vat, ledger = _transactions(api, created["Id"])

    assert [first["ProjectCode"], second["ProjectCode"]] == ["2026-017", "2026-018"]
    assert first["DepartmentCode"] == "20"
    for row in (first, second, vat, ledger):
        assert row["VoucherType"] == "OutgoingInvoice"
        assert row["VoucherId"] == created["Id"]
        assert row["VoucherNo"] == voucher_no
        assert row["VoucherDate"] == row["PostingDate"] == "2026-11-25"
        assert row["VoucherDescription"] == "Konsulentbistand november"
        assert row["SupplierAccountNo"] is None
        assert row["IsReversed"] is False
        assert isinstance(row["Id"], int)
    assert first["Description"] == "Linje 0"
    assert [vat["ProjectCode"], ledger["ProjectCode"]] == [None, None]


def test_the_customer_ledger_line_names_the_customer(api, ids, customer):
    created = post_invoice(api, _voucher(ids, customer, [(3000, "3", "1250.00")]))

    rows = _transactions(api, created["Id"])

    [ledger] = [row for row in rows if row["AccountNo"] == 1500]
    assert ledger["Amount"] == Decimal("1250.00")
    assert ledger["ContactId"] == customer["Id"]
    assert ledger["CustomerAccountNo"] == 10001
    assert ledger["ProjectCode"] is None
    assert [row["ContactId"] for row in rows if row["AccountNo"] != 1500] == [None, None]


def test_a_credit_note_posts_the_opposite_signs(api, ids, customer):
    post_invoice(api, _voucher(ids, customer, [(3000, "3", "1250.00")]))
    credit = _voucher(
        ids, customer, [(3000, "3", "-250.00")], "10300", CustomMatchingReference="10234"
    )
    created = post_invoice(api, credit)

    rows = _transactions(api, created["Id"])

    assert [(row["AccountNo"], row["Amount"], row["VatAmount"]) for row in rows] == [
        (3000, Decimal("200.00"), Decimal("50.00")),
        (2700, Decimal("50.00"), Decimal("0.00")),
        (1500, Decimal("-250.00"), Decimal("0.00")),
    ]
    assert {row["VoucherType"] for row in rows} == {"OutgoingCreditNote"}


def test_voucher_types_filter_finds_or_leaves_out_our_own_lines(api, ids, customer):
    post_invoice(api, _voucher(ids, customer, [(3000, "3", "1250.00")]))
    post_invoice(
        api,
        _voucher(ids, customer, [(3000, "3", "-1.25")], "10300", CustomMatchingReference="10234"),
    )

    def types(**params) -> list[str]:
        return sorted({row["VoucherType"] for row in _rows(api, **params)})

    assert types() == ["OutgoingCreditNote", "OutgoingInvoice"]
    assert types(voucherTypes="OutgoingInvoice") == ["OutgoingInvoice"]
    assert types(voucherTypes="IncomingInvoice,IncomingCreditNote,ManualJournal") == []


def test_a_refused_voucher_leaves_no_transactions(api, ids, customer):
    body = _voucher(ids, customer, [(3000, "3", "1250.00")], CurrencyAmount=Decimal("1"))

    assert api.post(JOURNAL, body).status_code == 400
    assert api.get("/AccountTransactions", **NOV).status_code == 204


def test_reversing_marks_the_voucher_and_its_transactions(api, admin, ids, customer):
    created = post_invoice(api, _voucher(ids, customer, [(3000, "3", "1250.00")]))
    other = post_invoice(api, _voucher(ids, customer, [(3000, "3", "625.00")], "10235"))

    admin.reverse_voucher(api.client_key, created["Id"])

    assert {row["IsReversed"] for row in _transactions(api, created["Id"])} == {True}
    assert {row["IsReversed"] for row in _transactions(api, other["Id"])} == {False}
    journal = data(api.get(f"{JOURNAL}/{created['Id']}"))
    assert journal["IsReversed"] is True
    assert data(api.get(f"/OutgoingInvoices/{created['Id']}"))["IsReversed"] is True


def test_answers_are_what_the_spec_allows(api, admin, ids, customer):
    """Invoice and credit note, with dimensions, an accrual, a foreign currency, a
    reversal and a refusal: every answer validates against the published response schema."""
    project = create_project(api, "2026-017", CustomerNo=10001)
    invoice = _voucher(
        ids,
        customer,
        [(3000, "3", "1250.00"), (3000, "31", "575.00"), (7740, None, "0.01")],
        ProjectId=project["Id"],
        DepartmentId=ids.departments["20"],
    )
    invoice["OutgoingInvoiceLines"][0]["Accrual"] = {
        "IsActive": True,
        "FromDate": "2026-12-01",
        "ToDate": "2027-05-31",
        "BalanceAccountNo": 2900,
    }
    invoice["OutgoingInvoiceLines"][1]["Accrual"] = {"IsActive": False}
    credit = _voucher(
        ids,
        customer,
        [(3000, "3", "-125.00")],
        "10300",
        CurrencyCode="EUR",
        CurrencyExchangeRate=EUR_RATE,
        CustomMatchingReference="10234",
    )
    created = []
    for body in (invoice, credit):
        response = api.post(JOURNAL, body)
        assert validate_response("POST", JOURNAL, 201, data(response)) == []
        created.append(data(response))
    admin.reverse_voucher(api.client_key, created[1]["Id"])
    refused = api.post(JOURNAL, _voucher(ids, customer, [(3000, "3", "1")], "1", CurrencyAmount=2))

    assert validate_response("POST", JOURNAL, 400, refused.json()) == []
    for path, params in [
        *((f"{JOURNAL}/{voucher['Id']}", {}) for voucher in created),
        *((f"/OutgoingInvoices/{voucher['Id']}", {}) for voucher in created),
        ("/OutgoingInvoices", {}),
        ("/AccountTransactions", NOV),
    ]:
        response = api.get(path, **params)
        assert response.status_code == 200, path
        assert validate_response("GET", path, 200, data(response)) == [], path
