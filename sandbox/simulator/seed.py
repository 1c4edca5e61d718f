"""A realistic Norwegian client: NS 4102 accounts, SAF-T VAT codes, departments, staff and
suppliers (facts: ../shared/reference/norway.md).

`norwegian_setup()` is pure (it only builds data); `apply_setup()` writes it into a client
through `books`, the same path the admin API's single additions take.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from sandbox.simulator import books
from sandbox.simulator.store import ClientState


class VatCodeSeed(NamedTuple):
    code: str
    name: str
    rate: Decimal


class AccountSeed(NamedTuple):
    account_no: int
    name: str
    vat_code: str | None


class DepartmentSeed(NamedTuple):
    code: str
    name: str


class EmployeeSeed(NamedTuple):
    number: int
    first_name: str
    last_name: str
    email: str


class SupplierSeed(NamedTuple):
    number: int
    name: str
    organization_number: str


@dataclass(frozen=True)
class Setup:
    vat_codes: tuple[VatCodeSeed, ...]
    accounts: tuple[AccountSeed, ...]
    departments: tuple[DepartmentSeed, ...]
    employees: tuple[EmployeeSeed, ...]
    suppliers: tuple[SupplierSeed, ...]
    lock_date: dt.date | None = None


VAT_CODES = (
    VatCodeSeed("0", "Ingen mva-behandling", Decimal("0")),
    VatCodeSeed("1", "Inngående mva, høy sats", Decimal("0.25")),
    VatCodeSeed("3", "Utgående mva, høy sats", Decimal("0.25")),
    VatCodeSeed("5", "Innenlands omsetning fritatt for mva", Decimal("0")),
    VatCodeSeed("6", "Omsetning utenfor merverdiavgiftsloven", Decimal("0")),
    VatCodeSeed("11", "Inngående mva, middels sats", Decimal("0.15")),
    VatCodeSeed("13", "Inngående mva, lav sats", Decimal("0.12")),
    VatCodeSeed("31", "Utgående mva, middels sats", Decimal("0.15")),
    VatCodeSeed("33", "Utgående mva, lav sats", Decimal("0.12")),
    VatCodeSeed("52", "Utførsel av varer og tjenester", Decimal("0")),
)

# PowerOffice Go's rounding account is 7740; Moment's default 7746 is deliberately absent,
# so a tenant that forgot to change it meets the "unknown account" error.
ACCOUNTS = (
    AccountSeed(1500, "Kundefordringer", None),
    AccountSeed(1920, "Bankinnskudd", None),
    AccountSeed(2000, "Aksjekapital", None),
    AccountSeed(2400, "Leverandørgjeld", None),
    AccountSeed(2700, "Utgående merverdiavgift, høy sats", None),
    AccountSeed(2710, "Inngående merverdiavgift, høy sats", None),
    AccountSeed(2740, "Oppgjørskonto merverdiavgift", None),
    AccountSeed(2900, "Forskudd fra kunder", None),
    AccountSeed(3000, "Salgsinntekt, avgiftspliktig", "3"),
    AccountSeed(3100, "Salgsinntekt, avgiftsfri", "5"),
    AccountSeed(3200, "Salgsinntekt, utenfor avgiftsområdet", "6"),
    AccountSeed(4000, "Innkjøp av råvarer og halvfabrikata", "1"),
    AccountSeed(4001, "Innkjøp til prosjekter", "1"),
    AccountSeed(4300, "Innkjøp av varer for videresalg", "1"),
    AccountSeed(5000, "Lønn til ansatte", None),
    AccountSeed(6300, "Leie lokale", None),
    AccountSeed(6540, "Inventar", "1"),
    AccountSeed(6800, "Kontorrekvisita", "1"),
    AccountSeed(6900, "Telefon", "1"),
    AccountSeed(7100, "Bilgodtgjørelse, oppgavepliktig", None),
    AccountSeed(7140, "Reisekostnad, ikke oppgavepliktig", "13"),
    AccountSeed(7320, "Reklamekostnad", "1"),
    AccountSeed(7740, "Øreavrunding", None),
    AccountSeed(7770, "Bank- og kortgebyrer", None),
    AccountSeed(8150, "Annen rentekostnad", None),
)

DEPARTMENTS = (
    DepartmentSeed("10", "Administrasjon"),
    DepartmentSeed("20", "Konsulent"),
    DepartmentSeed("30", "Utvikling"),
)

EMPLOYEES = (
    EmployeeSeed(1, "Kari", "Nordmann", "kari.nordmann@acme.no"),
    EmployeeSeed(2, "Ola", "Nordmann", "ola.nordmann@acme.no"),
    EmployeeSeed(3, "Ingrid", "Hansen", "ingrid.hansen@acme.no"),
    EmployeeSeed(4, "Lars", "Johansen", "lars.johansen@acme.no"),
)

# Organisation numbers are for illustration: they pass the MOD11 check, nothing more.
SUPPLIERS = (
    SupplierSeed(20001, "Norwegian Air Shuttle ASA", "965920358"),
    SupplierSeed(20002, "Elkjøp Norge AS", "984694466"),
    SupplierSeed(20003, "Telenor Norge AS", "976967631"),
    SupplierSeed(20004, "Scandic Hotels AS", "983884784"),
    SupplierSeed(20005, "Staples Norge AS", "915620442"),
)


def norwegian_setup(lock_date: dt.date | None = None) -> Setup:
    """The data of a typical small Norwegian consultancy in PowerOffice Go."""
    return Setup(VAT_CODES, ACCOUNTS, DEPARTMENTS, EMPLOYEES, SUPPLIERS, lock_date)


def apply_setup(client: ClientState, setup: Setup) -> dict[str, int]:
    """Write `setup` into `client` (VAT codes first: accounts refer to them); counts back."""
    for vat in setup.vat_codes:
        books.add_vat_code(client, vat.code, vat.name, vat.rate)
    for account in setup.accounts:
        books.add_account(client, account.account_no, account.name, vat_code=account.vat_code)
    for department in setup.departments:
        books.add_department(client, department.code, department.name)
    for employee in setup.employees:
        books.add_employee(
            client, employee.first_name, employee.last_name, employee.email, number=employee.number
        )
    for supplier in setup.suppliers:
        books.add_supplier(
            client, supplier.number, supplier.name, organization_number=supplier.organization_number
        )
    books.set_lock_date(client, setup.lock_date)
    return {
        "vat_codes": len(setup.vat_codes),
        "accounts": len(setup.accounts),
        "departments": len(setup.departments),
        "employees": len(setup.employees),
        "suppliers": len(setup.suppliers),
    }
