"""Generated invoices, mapped as the transfer maps them and posted to the simulator: the
VAT the simulator derives from the gross lines is Moment's, per VAT code and to the øre,
and each line's derived net is Moment's but for what the history says the line absorbed.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sync_worker.mapping import voucher_body
from sync_worker.mapping.invoices import gross_amounts
from sync_worker.schemas.entities import Invoice, InvoiceLine
from tests.sandbox.simulator.raw import data
from tests.schemas.examples import entity

ORE = Decimal("0.01")
# Sales accounts of the seeded client, each with the VAT code Moment would send.
CODES = {"3": Decimal("0.25"), "31": Decimal("0.15"), "33": Decimal("0.12"), "5": Decimal(0)}
ACCOUNT_FOR_CODE = {"3": "3000", "31": "3000", "33": "3000", "5": "3100"}
NUMBERS = itertools.count(30001)


@st.composite
def invoices(draw) -> Invoice:
    sign = draw(st.sampled_from([1, -1]))
    lines = [
        InvoiceLine(
            description=f"linje {index}",
            account_code=ACCOUNT_FOR_CODE[code],
            vat_code=code,
            quantity=Decimal(1),
            unit_price=amount,
            amount=amount,
        )
        for index, (code, amount) in enumerate(
            draw(
                st.lists(
                    st.tuples(
                        st.sampled_from(sorted(CODES)),
                        st.integers(1, 2_000_000).map(lambda ore: sign * ore * ORE),
                    ),
                    min_size=1,
                    max_size=8,
                )
            ),
            start=1,
        )
    ]
    if draw(st.booleans()):
        rounding = Decimal(draw(st.integers(-49, 49))) * ORE
        lines.append(
            InvoiceLine(
                description="Øreavrunding",
                account_code="7740",
                vat_code="5",
                quantity=Decimal(1),
                unit_price=rounding,
                amount=rounding,
            )
        )
    total = sum((line.amount for line in lines), Decimal(0)) + sum(moment_vat(lines).values())
    base = entity("invoice.finalized")
    return replace(
        base,
        number=next(NUMBERS),
        lines=tuple(lines),
        total_incl_vat=total,
        project=None,
        department_code=None,
        credited_invoice_number=None,
    )


def negated(lines) -> tuple[InvoiceLine, ...]:
    return tuple(replace(line, unit_price=-line.unit_price, amount=-line.amount) for line in lines)


def moment_vat(lines) -> dict[str, Decimal]:
    net: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        net[line.vat_code] += line.amount
    return {
        code: (amount * CODES[code]).quantize(ORE, ROUND_HALF_UP) for code, amount in net.items()
    }


@settings(
    max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(invoice=invoices())
def test_the_simulator_derives_moments_vat_from_the_gross_lines(api, ids, customer, invoice):
    def post(invoice: Invoice, kind: str):
        gross = gross_amounts(invoice, CODES)
        body = voucher_body(
            invoice,
            kind=kind,
            external_reference=f"generated:{invoice.number}",
            customer_ledger_id=customer["SubledgerAccountId"],
            project_id=None,
            department_id=None,
            account_ids={number: ids.accounts[int(number)] for number in ("3000", "3100", "7740")},
            vat_ids={code: ids.vat_codes[code] for code in CODES},
            gross=gross,
        )
        created = api.post("/Vouchers/OutgoingInvoiceJournals", body)
        assert created.status_code == 201, created.text  # it balances, so it posts
        return created, gross

    if invoice.total_incl_vat < 0:  # a credit note: its invoice first
        credited = replace(invoice, number=next(NUMBERS), lines=negated(invoice.lines))
        post(replace(credited, total_incl_vat=-invoice.total_incl_vat), "invoice")
        invoice = replace(invoice, credited_invoice_number=credited.number)
    created, gross = post(invoice, "credit_note" if invoice.credited_invoice_number else "invoice")

    voucher_no = data(api.get(f"/Vouchers/OutgoingInvoiceJournals/{created.json()['Id']}"))[
        "VoucherNo"
    ]
    rows = data(
        api.get(
            "/AccountTransactions",
            fromDate="2026-01-01",
            toDate="2026-12-31",
            voucherNos=voucher_no,
        )
    )
    lines = [
        row
        for row in rows
        if row["Description"] and row["Description"].startswith(("linje", "Øre"))
    ]
    derived_vat: dict[str, Decimal] = defaultdict(Decimal)
    for row in lines:
        derived_vat[row["VatCode"]] -= Decimal(str(row["VatAmount"]))  # income: credits
    expected = {code: vat for code, vat in moment_vat(invoice.lines).items() if vat}
    assert {code: vat for code, vat in derived_vat.items() if vat} == expected

    told = {absorbed.line: absorbed.net for absorbed in gross.absorbed}
    by_description = {row["Description"]: row for row in lines}
    for number, line in enumerate(invoice.lines, start=1):
        derived_net = -Decimal(str(by_description[line.description]["Amount"]))
        assert derived_net - line.amount == told.get(number, 0)
