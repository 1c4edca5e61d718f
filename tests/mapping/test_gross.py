"""Gross voucher lines: they balance, and PowerOffice Go derives exactly Moment's VAT from them.

The derivation is written out here on its own (net = gross / (1 + rate), rounded half up),
so the test does not lean on the functions it checks.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync_worker.mapping.gross import NetLine, gross_lines, moment_vat_by_code

RATES = {"3": Decimal("0.25"), "31": Decimal("0.15"), "33": Decimal("0.12"), "5": Decimal(0)}
ORE = Decimal("0.01")
# An øre of VAT at 12 % needs about 9 øre of gross; lines the size of an øre need more.
MAX_NET_MOVED = Decimal("0.10")


def pogo_net(gross: Decimal, rate: Decimal) -> Decimal:
    return (gross / (1 + rate)).quantize(ORE, rounding=ROUND_HALF_UP)


def vat_on_code_totals(lines: list[NetLine]) -> dict[str, Decimal]:
    net: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        net[line.vat_code] += line.net
    return {
        code: (amount * RATES[code]).quantize(ORE, ROUND_HALF_UP) for code, amount in net.items()
    }


def invoice_total(lines: list[NetLine]) -> Decimal:
    return sum((line.net for line in lines), Decimal(0)) + sum(vat_on_code_totals(lines).values())


@st.composite
def invoices(draw, *, sign: int = 1) -> list[NetLine]:
    count = draw(st.integers(1, 12))
    lines = [
        NetLine(
            net=sign * Decimal(draw(st.integers(1, 5_000_000))) * ORE,
            vat_code=(code := draw(st.sampled_from(sorted(RATES)))),
            rate=RATES[code],
        )
        for _ in range(count)
    ]
    if draw(st.booleans()):
        rounding = Decimal(draw(st.integers(-49, 49))) * ORE
        lines.insert(draw(st.integers(0, count)), NetLine(rounding, "5", Decimal(0), True))
    return lines


def assert_posts_as_moment_computed(lines: list[NetLine]) -> None:
    total = invoice_total(lines)
    result = gross_lines(lines, total)

    assert sum(result.amounts) == total  # the voucher balances
    derived_vat: dict[str, Decimal] = defaultdict(Decimal)
    for line, gross in zip(lines, result.amounts, strict=True):
        derived_vat[line.vat_code] += gross - pogo_net(gross, line.rate)
    assert dict(derived_vat) == vat_on_code_totals(lines)  # PowerOffice Go's VAT is Moment's
    reported = {absorbed.line: absorbed for absorbed in result.absorbed}
    for number, (line, gross) in enumerate(zip(lines, result.amounts, strict=True), start=1):
        moved = pogo_net(gross, line.rate) - line.net
        told = reported.get(number)
        assert moved == (told.net if told else 0), f"line {number}: net moved {moved} untold"
        if not line.is_rounding:
            assert abs(moved) <= MAX_NET_MOVED, f"line {number} absorbed {moved}"


@settings(max_examples=3000, deadline=None)
@given(invoices())
def test_invoices_post_with_moments_vat_and_balance(lines):
    assert_posts_as_moment_computed(lines)


@settings(max_examples=1000, deadline=None)
@given(invoices(sign=-1))
def test_credit_notes_post_with_moments_vat_and_balance(lines):
    assert_posts_as_moment_computed(lines)


def test_a_single_line_is_net_plus_its_vat():
    line = NetLine(Decimal("10000.00"), "3", RATES["3"])
    assert gross_lines([line], Decimal("12500.00")).amounts == (Decimal("12500.00"),)
    assert gross_lines([line], Decimal("12500.00")).absorbed == ()


def test_the_vat_of_the_codes_total_is_placed_on_a_line_and_told():
    # Per line: 3 × ore(0.51 × 0.25) + 25.00 = 25.39; on the code's total
    # ore(101.53 × 0.25) = 25.38: one line carries an øre less VAT than on its own.
    lines = [NetLine(Decimal("0.51"), "3", RATES["3"]) for _ in range(3)]
    lines.append(NetLine(Decimal("100.00"), "3", RATES["3"]))
    result = gross_lines(lines, invoice_total(lines))

    assert sum(result.amounts) == Decimal("126.91")
    assert sum(absorbed.vat for absorbed in result.absorbed) == Decimal("-0.01")
    assert_posts_as_moment_computed(lines)


def test_what_a_line_absorbed_reads_as_the_history_tells_it():
    lines = [NetLine(Decimal("0.51"), "3", RATES["3"]) for _ in range(3)]
    lines.append(NetLine(Decimal("0.02"), "5", Decimal(0), is_rounding=True))
    told = [str(absorbed) for absorbed in gross_lines(lines, invoice_total(lines)).absorbed]

    assert told and all(text.startswith("line ") for text in told)
    assert any("VAT -0.01" in text for text in told)


def test_a_rounding_line_takes_the_øre_a_net_had_to_move():
    lines = [
        NetLine(Decimal("0.51"), "3", RATES["3"]),
        NetLine(Decimal("0.51"), "3", RATES["3"]),
        NetLine(Decimal("0.03"), "5", Decimal(0), is_rounding=True),
    ]
    result = gross_lines(lines, invoice_total(lines))

    assert_posts_as_moment_computed(lines)
    assert {absorbed.line for absorbed in result.absorbed} <= {2, 3}


def test_moments_per_line_rounding_is_recognised_from_the_total():
    lines = [NetLine(Decimal("0.51"), "3", RATES["3"]) for _ in range(3)]
    per_line_total = Decimal("1.53") + Decimal("0.39")
    assert moment_vat_by_code(lines, per_line_total) == {"3": Decimal("0.39")}
    assert gross_lines(lines, per_line_total).absorbed == ()


def test_a_total_that_fits_no_rounding_is_refused():
    with pytest.raises(ValueError, match="do not add up"):
        gross_lines([NetLine(Decimal("100.00"), "3", RATES["3"])], Decimal("124.00"))
