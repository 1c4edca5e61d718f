"""Realistic Moment messages for the demo, the benchmarks and the tests.

Norwegian customers with valid organisation numbers, projects, invoices whose lines add up
with their VAT, MOD10 KIDs, and a real (small) PDF per invoice. Deterministic for a seed.
"""

from __future__ import annotations

import base64
import datetime as dt
import random
import uuid
from decimal import Decimal
from typing import Any

from sync_worker.norway import kid_mod10_check_digit, ore, organization_number_check_digit

COMPANY_WORDS = ["Fjord", "Nord", "Vest", "Berg", "Skog", "Havn", "Lys", "Stein", "Elv", "Fjell"]
COMPANY_KINDS = ["Konsulent AS", "Bygg AS", "Regnskap AS", "Eiendom AS", "Data AS", "Energi AS"]
CITIES = [
    ("0155", "Oslo"),
    ("5003", "Bergen"),
    ("7011", "Trondheim"),
    ("4006", "Stavanger"),
    ("9008", "Tromsø"),
    ("3015", "Drammen"),
]
SERVICES = [
    ("Rådgivning", "3000", "3"),
    ("Prosjektledelse", "3000", "3"),
    ("Utvikling", "3000", "3"),
    ("Kurs og opplæring", "3100", "5"),
    ("Programvarelisens", "3000", "3"),
    ("Reisekostnader viderefakturert", "3000", "3"),
]
VAT_RATES = {
    "3": Decimal("0.25"),
    "5": Decimal("0"),
    "6": Decimal("0"),
    "0": Decimal("0"),
    "31": Decimal("0.15"),
    "33": Decimal("0.12"),
    "52": Decimal("0"),
}
ROUNDING_ACCOUNT = "7740"
PROJECT_WORDS = ["Nettside", "Rådgivning", "Systemintegrasjon", "Revisjon"]
OWNERS = ["kari.nordmann@acme.no", "ola.nordmann@acme.no", "nils.hansen@acme.no"]


def organization_number(rng: random.Random) -> str:
    while True:
        body = str(rng.randint(80_000_000, 99_999_999))
        try:
            return body + organization_number_check_digit(body)
        except ValueError:  # a remainder of 1 has no check digit; draw again
            continue


def kid(invoice_number: int, customer_number: str) -> str:
    body = f"{int(customer_number):05d}{invoice_number:06d}"
    return body + kid_mod10_check_digit(body)


def invoice_pdf(lines: list[str]) -> bytes:
    """A small, valid one-page PDF showing `lines` (what Moment would attach)."""
    text = "\n".join(
        f"BT /F1 11 Tf 50 {780 - 16 * i} Td ({_pdf_escape(line)}) Tj ET"
        for i, line in enumerate(lines)
    ).encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _pdf_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def envelope(
    tenant: str,
    type_: str,
    data: dict[str, Any],
    *,
    version: int,
    occurred_at: dt.datetime,
    trigger: str = "auto",
) -> dict[str, Any]:
    return {
        "message_id": str(uuid.uuid4()),
        "tenant": tenant,
        "type": type_,
        "version": version,
        "occurred_at": occurred_at.isoformat(),
        "trigger": trigger,
        "data": data,
    }


class SampleCompany:
    """One Moment company's customers, projects and invoices, generated consistently."""

    def __init__(
        self,
        tenant: str,
        *,
        seed: int = 1,
        today: dt.date | None = None,
        first_invoice: int = 10001,
        first_customer: int = 10001,
    ):
        self.tenant = tenant
        self.rng = random.Random(seed)
        self.today = today or dt.date.today()
        self.next_invoice = first_invoice
        self.next_customer = first_customer
        self.next_project = 1
        self.clock = dt.datetime.combine(self.today, dt.time(8, 0), dt.UTC)
        self.customers: list[dict[str, Any]] = []
        self.projects: list[dict[str, Any]] = []

    def _tick(self) -> tuple[int, dt.datetime]:
        self.clock += dt.timedelta(seconds=self.rng.randint(1, 30))
        return int(self.clock.timestamp() * 1000), self.clock

    def customer(self, **overrides: Any) -> dict[str, Any]:
        number = str(self.next_customer)
        self.next_customer += 1
        postal_code, city = self.rng.choice(CITIES)
        name = (
            f"{self.rng.choice(COMPANY_WORDS)}{self.rng.choice(COMPANY_WORDS).lower()} "
            f"{self.rng.choice(COMPANY_KINDS)}"
        )
        slug = name.split()[0].lower()
        data = {
            "id": 62_000_000 + int(number),
            "number": number,
            "name": name,
            "organization_number": organization_number(self.rng),
            "contact_email": f"post@{slug}.no",
            "invoice_email": f"faktura@{slug}.no",
            "address": {
                "street": f"Storgata {self.rng.randint(1, 120)}",
                "street2": None,
                "postal_code": postal_code,
                "city": city,
                "country_code": "NO",
            },
            "state": "active",
        } | overrides
        self.customers.append(data)
        return data

    def project(self, customer: dict[str, Any], **overrides: Any) -> dict[str, Any]:
        number = f"{self.today.year}-{self.next_project:03d}"
        self.next_project += 1
        data = {
            "id": 63_000_000 + self.next_project,
            "number": number,
            "name": f"{self.rng.choice(PROJECT_WORDS)} for {customer['name'].split()[0]}",
            "customer_number": customer["number"],
            "department_code": self.rng.choice(["20", "30"]),
            "state": "active",
            "owner_email": self.rng.choice(OWNERS),
            "expenses_billable": None,
        } | overrides
        self.projects.append(data)
        return data

    def invoice(
        self,
        customer: dict[str, Any],
        project: dict[str, Any] | None,
        *,
        lines: int = 3,
        credit_for: dict[str, Any] | None = None,
        invoice_date: dt.date | None = None,
        **overrides: Any,
    ) -> dict[str, Any]:
        number = self.next_invoice
        self.next_invoice += 1
        sign = Decimal(-1) if credit_for else Decimal(1)
        invoice_lines = [self._line(sign) for _ in range(lines)]
        vat = sum(
            ore(Decimal(line["amount"]) * VAT_RATES[line["vat_code"]]) for line in invoice_lines
        )
        net = sum(Decimal(line["amount"]) for line in invoice_lines)
        date = invoice_date or self.today
        data = {
            "id": 106_000_000 + number,
            "number": number,
            "description": f"Konsulentbistand {date:%B %Y}".lower().capitalize(),
            "customer": customer,
            "project": project,
            "invoice_date": date.isoformat(),
            "due_date": (date + dt.timedelta(days=14)).isoformat(),
            "kid": kid(number, customer["number"]),
            "currency_code": "NOK",
            "currency_rate": "1",
            "department_code": project["department_code"] if project else None,
            "total_incl_vat": str(net + vat),
            "lines": invoice_lines,
            "attachment": self._attachment(number, customer, net + vat, credit_for),
            "credited_invoice_number": credit_for["number"] if credit_for else None,
        } | overrides
        return data

    def _line(self, sign: Decimal) -> dict[str, Any]:
        description, account, vat_code = self.rng.choice(SERVICES)
        quantity = Decimal(self.rng.randint(1, 40))
        unit_price = Decimal(self.rng.choice([850, 1100, 1250, 1450])).quantize(Decimal("0.01"))
        amount = ore(quantity * unit_price) * sign
        return {
            "description": f"{description}, {quantity} timer",
            "account_code": account,
            "vat_code": vat_code,
            "quantity": str(quantity * sign),
            "unit_price": str(unit_price),
            "discount_percent": "0",
            "amount": str(amount),
        }

    def _attachment(
        self,
        number: int,
        customer: dict[str, Any],
        total: Decimal,
        credit_for: dict[str, Any] | None,
    ) -> dict[str, str]:
        title = f"Kreditnota {number}" if credit_for else f"Faktura {number}"
        pdf = invoice_pdf(
            [title, customer["name"], f"Kunde {customer['number']}", f"Å betale: NOK {total}"]
        )
        return {
            "filename": f"{title.lower().replace(' ', '-')}.pdf",
            "content_type": "application/pdf",
            "content_base64": base64.b64encode(pdf).decode(),
        }

    # --- whole messages ----------------------------------------------------------------

    def message(self, type_: str, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        version, occurred = self._tick()
        return envelope(self.tenant, type_, data, version=version, occurred_at=occurred, **kwargs)
