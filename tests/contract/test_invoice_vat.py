"""Invoices as the transfer posts them: gross lines that sum to the total, from which the
simulator (deriving VAT per line from its VAT code's rate, as PowerOffice Go does) gets
exactly Moment's VAT, and each line's net is Moment's but for the øre the history names.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal

import pytest

from sync_worker.mapping import check_invoice, voucher_body
from sync_worker.mapping.invoices import gross_amounts
from sync_worker.schemas.entities import Invoice, InvoiceLine
from tests.contract.helpers import create_customer
from tests.schemas.examples import entity

ORE = Decimal("0.01")
RATES = {"3": Decimal("0.25"), "31": Decimal("0.15"), "5": Decimal(0), "0": Decimal(0)}


def line(description: str, account: str, vat_code: str, net: str) -> InvoiceLine:
    return InvoiceLine(
        description=description,
        account_code=account,
        vat_code=vat_code,
        quantity=Decimal(1),
        unit_price=Decimal(net),
        amount=Decimal(net),
    )


def moment_vat_by_code(lines) -> dict[str, Decimal]:
    """Moment's VAT: on each VAT code's total, as EHF computes it."""
    net_by_code: dict[str, Decimal] = {}
    for item in lines:
        net_by_code[item.vat_code] = net_by_code.get(item.vat_code, Decimal(0)) + item.amount
    return {
        code: (net * RATES[code]).quantize(ORE, ROUND_HALF_UP) for code, net in net_by_code.items()
    }


def moment_invoice(number: int, lines: list[InvoiceLine], **changes) -> Invoice:
    """Moment's invoice, its total the lines plus `moment_vat_by_code`."""
    vat = sum(moment_vat_by_code(lines).values(), Decimal(0))
    total = sum((item.amount for item in lines), Decimal(0)) + vat
    base = entity("invoice.finalized")
    return replace(
        base,
        number=number,
        lines=tuple(lines),
        total_incl_vat=total,
        project=None,
        department_code=None,
        **changes,
    )


# Per line the VAT rounds up three times where on each code's total it rounds once: the
# VAT the codes lack must be placed, and the øre it moves given back on the rounding line.
MIXED = [
    line("Rådgivning A", "3000", "3", "10.02"),
    line("Rådgivning B", "3000", "3", "10.02"),
    line("Rådgivning C", "3000", "3", "10.02"),
    line("Rådgivning D", "3000", "3", "1200.00"),
    line("Persontransport A", "3000", "31", "10.10"),
    line("Persontransport B", "3000", "31", "10.10"),
    line("Persontransport C", "3000", "31", "10.10"),
    line("Øreavrunding", "7740", "0", "0.40"),
]
EXEMPT = [
    line("Eksport A", "3100", "5", "1000.00"),
    line("Eksport B", "3100", "5", "250.50"),
]
IN_EUROS = [
    line("Consulting A", "3000", "3", "120.05"),
    line("Consulting B", "3000", "3", "120.05"),
    line("Consulting C", "3000", "3", "0.33"),
]


def negated(lines: list[InvoiceLine]) -> list[InvoiceLine]:
    return [replace(item, unit_price=-item.unit_price, amount=-item.amount) for item in lines]


@pytest.fixture
def post(client):
    customer = create_customer(client, 10042)

    def post(invoice: Invoice, kind: str = "invoice"):
        ids = check_invoice(
            invoice,
            kind=kind,
            accounts=client.accounts.by_number(),
            vat_codes=client.vat_codes.by_code(),
            departments=client.departments.by_code(),
            lock_date=client.lock_date.get(),
            credited_invoice_known=True,
        )
        gross = gross_amounts(invoice, ids.vat_rates)
        body = voucher_body(
            invoice,
            kind=kind,
            external_reference=f"contract:{kind}:{invoice.number}",
            customer_ledger_id=customer["SubledgerAccountId"],
            project_id=None,
            department_id=None,
            account_ids=ids.account_ids,
            vat_ids=ids.vat_ids,
            gross=gross,
        )
        return client.outgoing_invoice_journals.create(body)["Id"], body, gross

    return post


def assert_posted_as_moment_computed(admin, client_key, invoice, voucher_id, body, gross):
    amounts = [posted["CurrencyAmount"] for posted in body["OutgoingInvoiceLines"]]
    assert sum(amounts) == body["CurrencyAmount"] == invoice.total_incl_vat
    rows = {
        row["Description"]: row
        for row in admin.transactions(client_key)
        if row["VoucherId"] == voucher_id and row.get("Description")
    }
    told = {absorbed.line: absorbed.net for absorbed in gross.absorbed}
    derived_nets = []
    for number, item in enumerate(invoice.lines, start=1):
        derived = -Decimal(str(rows[item.description]["CurrencyAmount"]))  # income: a credit
        derived_nets.append(derived)
        assert derived - item.amount == told.get(number, 0), f"line {number} moved untold"
    moment_net = sum((item.amount for item in invoice.lines), Decimal(0))
    # The VAT the simulator derived, summed, is Moment's: total − net (rounding included).
    assert invoice.total_incl_vat - sum(derived_nets) == invoice.total_incl_vat - moment_net
    if invoice.currency_code == "NOK":  # the rows' VatAmount is in NOK: per code, to the øre
        derived_vat: dict[str, Decimal] = {}
        for item in invoice.lines:
            vat = -Decimal(str(rows[item.description]["VatAmount"]))
            derived_vat[item.vat_code] = derived_vat.get(item.vat_code, Decimal(0)) + vat
        assert derived_vat == moment_vat_by_code(invoice.lines)


@pytest.mark.parametrize(
    ("lines", "changes"),
    [
        (MIXED, {}),
        (EXEMPT, {}),
        (IN_EUROS, {"currency_code": "EUR", "currency_rate": Decimal("11.6215")}),
    ],
    ids=["25 and 15 percent with a rounding line", "0 percent", "in euros"],
)
def test_an_invoice_posts_with_moments_vat(post, admin, client_key, lines, changes):
    invoice = moment_invoice(20001, lines, **changes)
    voucher_id, body, gross = post(invoice)

    if lines is not EXEMPT:
        assert gross.absorbed, "the case must need øre placed, or it proves nothing"
    assert_posted_as_moment_computed(admin, client_key, invoice, voucher_id, body, gross)


def test_a_credit_note_posts_with_moments_vat_in_the_same_journal(post, admin, client_key):
    post(moment_invoice(20001, MIXED))
    credit_note = moment_invoice(
        20002, negated(MIXED[:-1]), credited_invoice_number=20001, kid=None
    )
    voucher_id, body, gross = post(credit_note, "credit_note")

    assert body["CurrencyAmount"] < 0
    assert body["CustomMatchingReference"] == "20001"
    assert_posted_as_moment_computed(admin, client_key, credit_note, voucher_id, body, gross)
    [voucher] = [v for v in admin.vouchers(client_key) if v.get("Id") == voucher_id]
    assert voucher.get("VoucherType", voucher.get("voucher_type")) == "OutgoingCreditNote"
