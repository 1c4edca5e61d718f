"""The doctor and the daily reconciliation against the running pipeline: messages published
through the producer and transferred by the worker into the simulator, then the setup
checked and the books compared, as an operator and beat run them."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from click.testing import CliRunner
from sqlalchemy import select

from config.tasks import RECONCILE_TENANT
from sync_worker import outbox
from sync_worker.cli import cli
from sync_worker.db.models import Reconciliation
from sync_worker.db.models import Tenant as TenantRow
from sync_worker.db.session import session_scope
from sync_worker.poweroffice import PowerOfficeClient
from sync_worker.reconcile import Problem, latest
from sync_worker.tenants import TenantSettings, update_tenant
from tests.doctor.conftest import OWNER
from tests.support.worker import wait_until


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def publish_books(tenant, invoices: int, **project) -> tuple[dict, dict, list[dict]]:
    """A customer, its project and `invoices` invoices on it, through the producer."""
    sample = tenant.sample
    customer = sample.customer()
    project_ = sample.project(customer, department_code="20", owner_email=OWNER, **project)
    bills = [sample.invoice(customer, project_) for _ in range(invoices)]
    tenant.publish(
        sample.message("customer.changed", customer),
        sample.message("project.changed", project_),
        *(sample.message("invoice.finalized", bill) for bill in bills),
    )
    return customer, project_, bills


def doctor(tenant) -> dict:
    result = run("doctor", "--tenant", tenant.code, "--json")
    report = json.loads(result.output)
    assert result.exit_code == (0 if report["ok"] else 1)
    return report


def by_check(report: dict) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for finding in report["findings"]:
        found.setdefault(finding["check"], []).append(finding)
    return found


def test_the_doctor_finds_nothing_wrong_with_a_correct_setup(tenant):
    _customer, _project, bills = publish_books(tenant, 2)
    for bill in bills:
        tenant.wait_for("invoice", bill["number"])

    report = doctor(tenant)

    assert report["ok"] and report["counts"]["failed"] == 0
    assert report["counts"]["warning"] == 0, report["findings"]
    assert {f["symbol"] for f in report["findings"]} == {"✓"}


def test_the_doctor_reports_each_setup_mistake_with_its_fix(tenant):
    admin, key = tenant.admin, tenant.client_key
    sample = tenant.sample
    admin.add_account(key, 3010, "Salg, låst", vat_code="3", is_vat_code_locked=True)
    admin.add_department(key, "40", "Nedlagt", is_active=False)
    with session_scope() as session:
        update_tenant(session, tenant.code, TenantSettings(invoice_delivery_type="EHF"))
    customer = sample.customer()
    project = sample.project(customer, department_code="40", owner_email="nils.hansen@acme.no")
    invoice = sample.invoice(customer, project)
    line = invoice["lines"][0]
    invoice["lines"] = [
        {**line, "account_code": "3900"},  # an account PowerOffice Go lacks
        {**line, "account_code": "3010", "vat_code": "5"},  # against a locked VAT code
        {**line, "account_code": "7746", "vat_code": "0"},  # Moment's default rounding account
    ]
    lacking = sample.customer(organization_number=None)  # EHF needs one
    tenant.publish(
        sample.message("customer.changed", customer),
        sample.message("customer.changed", lacking),
        sample.message("project.changed", project),
        sample.message("invoice.finalized", invoice),
    )
    tenant.wait_until_all_handled()
    admin.set_lock_date(key, dt.date.fromisoformat(invoice["invoice_date"]))
    admin.set_invalid_privileges(key, ["OutgoingInvoiceVoucher_Full"])

    report = doctor(tenant)
    checks = by_check(report)

    assert not report["ok"]
    failed = {f["check"] for f in report["findings"] if f["status"] == "failed"}
    assert failed == {
        "privileges",
        "accounts",
        "rounding account",
        "lock date",
        "delivery type",
        "departments",
    }
    [privileges] = checks["privileges"]
    assert "OutgoingInvoiceVoucher_Full" in privileges["what"] and "grant" in privileges["fix"]
    accounts = " ".join(f["what"] for f in checks["accounts"])
    assert "Account 3900" in accounts and "does not exist" in accounts
    assert "VAT code 3 in PowerOffice Go (locked), but Moment sends VAT code 5" in accounts
    [rounding] = checks["rounding account"]
    assert "7746" in rounding["what"] and "(7740)" in rounding["fix"]
    [lock] = checks["lock date"]
    assert f"invoice {invoice['number']}" in lock["what"] and "Reopen" in lock["fix"]
    refused = [f for f in checks["delivery type"] if f["status"] == "failed"]
    assert [f"Customer {lacking['number']}" in f["what"] for f in refused] == [True]
    assert "organisation number" in refused[0]["what"]
    [department] = checks["departments"]
    assert "department 40 is inactive" in department["what"]
    [owners] = checks["project owners"]
    assert owners["status"] == "warning" and "nils.hansen@acme.no" in owners["what"]
    assert all(f["fix"] for f in report["findings"] if f["status"] != "ok")


def reconcile_as_beat(tenant) -> Reconciliation:
    """Send the tenant's daily reconciliation to the worker, as beat's scheduler does."""
    with session_scope() as session:
        tenant_id = session.scalar(select(TenantRow.id).where(TenantRow.code == tenant.code))
        before = session.scalar(
            select(Reconciliation.id)
            .where(Reconciliation.tenant_id == tenant_id)
            .order_by(Reconciliation.id.desc())
            .limit(1)
        )
        entry = outbox.add(session, RECONCILE_TENANT, tenant_id=tenant_id)
    outbox.send([entry.id])

    def stored():
        with session_scope() as session:
            row = session.scalar(
                select(Reconciliation)
                .where(Reconciliation.tenant_id == tenant_id, Reconciliation.id > (before or 0))
                .limit(1)
            )
            if row is not None:
                session.expunge(row)
            return row

    return wait_until(stored, timeout=60, what=f"a reconciliation of {tenant.code}")


def test_the_daily_reconciliation_finds_what_was_done_by_hand_fixes_its_part_and_mails(
    tenant, mailbox
):
    admin, key = tenant.admin, tenant.client_key
    customer, project, bills = publish_books(tenant, 5)
    removed, duplicated, changed, _fine, _also_fine = (str(b["number"]) for b in bills)
    for bill in bills:
        tenant.wait_for("invoice", bill["number"])
    admin.set_invalid_privileges(key, ["VoucherDocumentation_Full"])
    last = tenant.sample.invoice(customer, project)
    tenant.publish(tenant.sample.message("invoice.finalized", last))
    without_pdf = str(last["number"])
    tenant.wait_for("invoice", without_pdf, status="failed")  # posted; its PDF refused
    admin.set_invalid_privileges(key, [])
    tenant.wait_for_email(mailbox)  # the failed PDF upload's error e-mail
    pogo = PowerOfficeClient(key)
    voucher = {n: tenant.state("invoice", n).pogo_id for n in (removed, duplicated, changed)}
    admin.reverse_voucher(key, voucher[removed])
    admin.key_in_copy(key, voucher[duplicated])
    admin.reverse_voucher(key, voucher[changed])
    moment_total = Decimal(bills[2]["total_incl_vat"])
    admin.key_in_copy(key, voucher[changed], total=moment_total + 100)
    pogo.customers.patch(
        int(tenant.state("customer", customer["number"]).pogo_id),
        [{"op": "replace", "path": "/Name", "value": "Keyed in by hand AS"}],
    )

    first = reconcile_as_beat(tenant)

    found = {(f["problem"], f["number"]): f for f in first.report["findings"]}
    assert set(found) == {
        ("missing", removed),
        ("duplicate", duplicated),
        ("total", changed),
        ("no_pdf", without_pdf),
        ("customer", str(customer["number"])),
    }
    assert found[("no_pdf", without_pdf)]["fixed"].startswith("Queued the PDF upload")
    assert found[("customer", str(customer["number"]))]["fixed"].startswith("Queued a transfer")
    assert first.needs_person == 3 and not first.ok
    [email] = wait_until(
        lambda: (
            [e for e in mailbox.to(tenant.error_email) if "reconciliation" in e.subject] or None
        ),
        timeout=60,
        what="the reconciliation's e-mail",
    )
    assert email.subject.endswith("found 3 things to look at")
    assert f"there twice, {duplicated}" in email.body and "Fixed by the integration" in email.body

    tenant.wait_for("invoice", without_pdf)  # the fix: its PDF uploaded, nothing posted twice
    wait_until(tenant.all_handled, timeout=60, what="the fixes to be transferred")
    second = reconcile_as_beat(tenant)

    left = {(f["problem"], f["number"]) for f in second.report["findings"]}
    assert left == {("missing", removed), ("duplicate", duplicated), ("total", changed)}
    assert all(f["needs_person"] for f in second.report["findings"])
    names = [c["Name"] for c in tenant.customers()]
    assert "Keyed in by hand AS" not in names
    assert len([v for v in tenant.vouchers() if str(v.get("InvoiceNo")) == without_pdf]) == 1
    shown = run("reconcile", "--tenant", tenant.code, "--last")
    assert shown.exit_code == 1 and "3 findings: 3 for a person" in shown.output
    mails = [e for e in mailbox.to(tenant.error_email) if "reconciliation" in e.subject]
    assert len(mails) == 1  # nothing new for a person: no second e-mail
    assert {f.problem for f in latest(tenant.code).findings} == {
        Problem.MISSING,
        Problem.DUPLICATE,
        Problem.TOTAL,
    }
