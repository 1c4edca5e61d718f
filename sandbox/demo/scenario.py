"""The demo's Moment companies and what they publish, good and bad."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from sandbox.sample_data import SampleCompany
from sync_worker.norway import today_in_oslo


@dataclass
class DemoTenant:
    code: str
    name: str
    client_key: str
    error_email: str
    customers: int
    projects: int
    invoices: int
    credit_notes: int
    lock_date: dt.date | None = None
    messages: list[dict[str, Any]] = field(default_factory=list)
    bad: list[str] = field(default_factory=list)  # what each deliberate mistake shows


TENANTS = [
    DemoTenant(
        "acme",
        "Acme Konsulent AS",
        "demo-client-key-acme",
        "regnskap@acme.test",
        customers=24,
        projects=14,
        invoices=150,
        credit_notes=8,
    ),
    DemoTenant(
        "nordlys",
        "Nordlys Rådgivning AS",
        "demo-client-key-nordlys",
        "okonomi@nordlys.test",
        customers=10,
        projects=6,
        invoices=50,
        credit_notes=3,
        lock_date=today_in_oslo() - dt.timedelta(days=40),
    ),
]


def build(tenant: DemoTenant, seed: int) -> DemoTenant:
    """Fill `tenant.messages`: customers, projects, invoices, credit notes, then mistakes."""
    sample = SampleCompany(tenant.code, seed=seed, today=today_in_oslo())
    customers = [sample.customer() for _ in range(tenant.customers)]
    projects = [sample.project(customers[i % len(customers)]) for i in range(tenant.projects)]
    tenant.messages += [sample.message("customer.changed", c) for c in customers]
    tenant.messages += [sample.message("project.changed", p) for p in projects]
    invoices = []
    for i in range(tenant.invoices):
        project = projects[i % len(projects)]
        customer = next(c for c in customers if c["number"] == project["customer_number"])
        invoices.append(sample.invoice(customer, project, lines=1 + i % 4))
    tenant.messages += [sample.message("invoice.finalized", inv) for inv in invoices]
    for invoice in invoices[: tenant.credit_notes]:
        credit = sample.invoice(invoice["customer"], invoice["project"], credit_for=invoice)
        tenant.messages.append(sample.message("credit_note.finalized", credit))
    _mistakes(tenant, sample, customers, projects)
    return tenant


def _mistakes(tenant: DemoTenant, sample: SampleCompany, customers: list, projects: list) -> None:
    customer, project = customers[0], projects[0]
    no_vat = sample.invoice(customer, project)
    no_vat["lines"][0]["vat_code"] = None
    rounding = sample.invoice(customer, project)
    rounding["lines"].append(
        {
            "description": "Øreavrunding",
            "account_code": "7746",
            "vat_code": "0",
            "quantity": "1",
            "unit_price": "0.00",
            "discount_percent": "0",
            "amount": "0.00",
        }
    )
    bad_kid = sample.invoice(customer, project)
    bad_kid["kid"] = bad_kid["kid"][:-1] + str((int(bad_kid["kid"][-1]) + 1) % 10)
    tenant.messages += [
        sample.message("invoice.finalized", no_vat),
        sample.message("invoice.finalized", rounding),
        sample.message("project.changed", sample.project(customer, number="2026.7")),
        sample.message("invoice.finalized", bad_kid),
    ]
    tenant.bad += [
        f"invoice {no_vat['number']}: a line without VAT code (export refused, e-mail)",
        f"invoice {rounding['number']}: Moment's rounding account 7746 (export refused, e-mail)",
        "project 2026.7: a '.' in the project number (refused at publish)",
        f"invoice {bad_kid['number']}: a KID failing its MOD10 check (refused at publish)",
    ]
    if tenant.lock_date:
        closed = sample.invoice(
            customer, project, invoice_date=tenant.lock_date - dt.timedelta(days=3)
        )
        tenant.messages.append(sample.message("invoice.finalized", closed))
        tenant.bad.append(
            f"invoice {closed['number']}: dated in a period closed in PowerOffice Go "
            "(export refused, e-mail)"
        )
    stranger = sample.message("customer.changed", sample.customer())
    stranger["tenant"] = "ukjent"
    stranger["message_id"] = str(uuid.uuid4())
    tenant.messages.append(stranger)
    tenant.bad.append("a customer for tenant 'ukjent', never registered (refused at publish)")
