"""Gross line amounts: Moment's net lines as PowerOffice Go's VAT-inclusive voucher lines.

PowerOffice Go's voucher lines are gross, each with its VAT code, and it derives each line's
VAT from the gross amount and the code's rate (reference section 14). Moment computes the
invoice's VAT on the total per rate, as EHF does, so grossing each line up on its own can
miss the invoice's VAT by an øre or two, and the lines would then not sum to the total.

`gross_lines` chooses gross amounts such that
- the lines sum exactly to the invoice total, so the voucher balances;
- the VAT PowerOffice Go derives, summed per VAT code, is exactly Moment's VAT per code, so
  the VAT return agrees with the invoice the customer got;
- a line's derived net differs from Moment's only where the line absorbed an øre, and each
  such øre is reported (`Absorbed`) for the transfer history.

How: every line is first net + its VAT rounded on its own. The VAT a code still lacks (the
difference between VAT on the code's total and the sum of per-line VAT) goes, an øre at a
time, onto the line of that code where PowerOffice Go's derivation moves the line's net
least (the largest line when several are equal). The net øre that moves are given back on
the invoice's rounding line, or, when Moment sent none, on the line with the largest amount
that can take them without changing its own VAT. Should no line be able to (never seen in
4 000 generated invoices), the rounding line or the least-moved takes them, and the
history says its VAT moved.

PowerOffice Go's derivation is taken to be the usual one, net = gross / (1 + rate) rounded
half up to øre and VAT = gross − net (docs/poweroffice-go.md says why). Pure: no I/O.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sync_worker.norway import ore

ORE = Decimal("0.01")
POWEROFFICE_ROUNDING_ACCOUNT = "7740"  # PowerOffice Go's default rounding account
MOMENT_ROUNDING_ACCOUNT = "7746"  # Moment's default, unknown to PowerOffice Go until made
ROUNDING_ACCOUNTS = frozenset({POWEROFFICE_ROUNDING_ACCOUNT, MOMENT_ROUNDING_ACCOUNT})


@dataclass(frozen=True, slots=True)
class NetLine:
    """One of Moment's lines: its amount excluding VAT, and its VAT code's rate (0–1)."""

    net: Decimal
    vat_code: str
    rate: Decimal
    is_rounding: bool = False


@dataclass(frozen=True, slots=True)
class Absorbed:
    """What a gross line carries beyond Moment's own figures for it: the VAT its code's total
    needs (`vat`), and the net PowerOffice Go will derive beyond Moment's net (`net`)."""

    line: int  # from 1, as the accountant counts them
    net: Decimal
    vat: Decimal

    def __str__(self) -> str:
        moved = [f"{name} {amount:+}" for name, amount in (("VAT", self.vat), ("net", self.net))]
        return f"line {self.line}: " + ", ".join(
            text for text in moved if not text.endswith(" +0.00")
        )


@dataclass(frozen=True, slots=True)
class GrossLines:
    amounts: tuple[Decimal, ...]
    absorbed: tuple[Absorbed, ...]


def derived_net(gross: Decimal, rate: Decimal) -> Decimal:
    """The net PowerOffice Go derives from a gross line amount."""
    return ore(gross / (1 + rate))


def derived_vat(gross: Decimal, rate: Decimal) -> Decimal:
    return gross - derived_net(gross, rate)


def moment_vat_by_code(lines: Sequence[NetLine], total: Decimal) -> dict[str, Decimal]:
    """Moment's VAT per code: on each code's total, or, when the invoice total says Moment
    rounded it per line, the sum of per-line VAT. `rules.check_invoice` has already refused
    an invoice whose total fits neither."""
    net = sum((line.net for line in lines), Decimal(0))
    for vat in (vat_on_code_totals(lines), vat_per_line(lines)):
        if net + sum(vat.values(), Decimal(0)) == total:
            return vat
    raise ValueError(f"the lines do not add up to the total {total}: check_invoice refuses it")


def vat_on_code_totals(lines: Sequence[NetLine]) -> dict[str, Decimal]:
    """VAT per code computed on the code's total, as EHF (and Moment) computes it."""
    net_by_code: dict[str, Decimal] = defaultdict(Decimal)
    rate_by_code = {line.vat_code: line.rate for line in lines}
    for line in lines:
        net_by_code[line.vat_code] += line.net
    return {code: ore(net * rate_by_code[code]) for code, net in net_by_code.items()}


def vat_per_line(lines: Sequence[NetLine]) -> dict[str, Decimal]:
    """VAT per code as the sum of each line's VAT rounded on its own."""
    vat: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        vat[line.vat_code] += ore(line.net * line.rate)
    return dict(vat)


def gross_lines(lines: Sequence[NetLine], total: Decimal) -> GrossLines:
    """Gross amounts that sum to `total` and carry exactly Moment's VAT per code."""
    if not lines:
        raise ValueError("an invoice has at least one line")
    amounts = [_own_gross(line) for line in lines]
    wanted = moment_vat_by_code(lines, total)
    for code, lacking in _vat_lacking(lines, amounts, wanted).items():
        _add_vat(lines, amounts, code, lacking)
    _balance(lines, amounts, total - sum(amounts, Decimal(0)))
    return GrossLines(tuple(amounts), tuple(_absorbed(lines, amounts)))


def _own_gross(line: NetLine) -> Decimal:
    return line.net + ore(line.net * line.rate)


def _vat_lacking(
    lines: Sequence[NetLine], amounts: Sequence[Decimal], wanted: Mapping[str, Decimal]
) -> dict[str, Decimal]:
    derived: dict[str, Decimal] = defaultdict(Decimal)
    for line, gross in zip(lines, amounts, strict=True):
        derived[line.vat_code] += derived_vat(gross, line.rate)
    return {code: wanted[code] - vat for code, vat in derived.items() if wanted[code] != vat}


def _add_vat(lines: Sequence[NetLine], amounts: list[Decimal], code: str, lacking: Decimal) -> None:
    """Add the VAT a code lacks, an øre at a time, each on the line of that code where it
    moves the derived net least (the largest line when several are equal)."""
    step = ORE if lacking > 0 else -ORE
    group = [i for i, line in enumerate(lines) if line.vat_code == code]
    for _ in range(int(abs(lacking) / ORE)):
        offset, index = min(
            ((_vat_step_offset(lines[i], amounts[i], step), i) for i in group),
            key=lambda found: (abs(found[0]), -abs(lines[found[1]].net)),
        )
        amounts[index] += step + offset


def _vat_step_offset(line: NetLine, gross: Decimal, step: Decimal) -> Decimal:
    """How far from `gross + step` the nearest gross lies whose derived VAT is one øre on."""
    wanted = derived_vat(gross, line.rate) + step
    # The derived VAT grows by an øre about every (1 + rate) / rate øre of gross.
    reach = int((1 + line.rate) / line.rate) + 2
    return next(
        offset
        for offset in _nearest_first(reach)
        if derived_vat(gross + step + offset, line.rate) == wanted
    )


def _balance(lines: Sequence[NetLine], amounts: list[Decimal], missing: Decimal) -> None:
    """Balance the voucher an øre at a time, first on the rounding line, then on the line
    whose derived net has moved least, each only where its derived VAT stays as it is."""
    step = ORE if missing > 0 else -ORE
    for _ in range(int(abs(missing) / ORE)):
        moved = [
            derived_net(gross, line.rate) - line.net
            for line, gross in zip(lines, amounts, strict=True)
        ]
        sinks = sorted(
            range(len(lines)),
            key=lambda i: (not lines[i].is_rounding, abs(moved[i] + step), -abs(lines[i].net)),
        )
        index = next((i for i in sinks if _keeps_vat(lines[i], amounts[i], step)), sinks[0])
        amounts[index] += step


def _keeps_vat(line: NetLine, gross: Decimal, step: Decimal) -> bool:
    return derived_vat(gross + step, line.rate) == derived_vat(gross, line.rate)


def _absorbed(lines: Sequence[NetLine], amounts: Sequence[Decimal]) -> Iterator[Absorbed]:
    """Told from the final amounts, so the history cannot say other than what was posted."""
    for number, (line, gross) in enumerate(zip(lines, amounts, strict=True), start=1):
        net = derived_net(gross, line.rate) - line.net
        vat = derived_vat(gross, line.rate) - ore(line.net * line.rate)
        if net or vat:
            yield Absorbed(number, net, vat)


def _nearest_first(reach: int) -> Iterator[Decimal]:
    yield Decimal(0)
    for distance in range(1, reach + 1):
        yield -distance * ORE
        yield distance * ORE
