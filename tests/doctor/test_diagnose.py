"""The doctor against the simulator over HTTP: all ✓ on a correct setup, within its call
budget, and each setup mistake of Moment's list reported with its fix."""

from __future__ import annotations

import datetime as dt

from sync_worker.doctor import Status
from sync_worker.poweroffice import PowerOfficeClient
from tests.doctor.conftest import findings

CALL_BUDGET = 10


def test_a_correct_setup_is_all_ok_within_the_call_budget(setup):
    setup.the_usual()

    report = setup.diagnose()

    assert [f for f in report.findings if f.status is not Status.OK] == []
    assert report.ok
    assert {f.check for f in report.findings} == {
        "client key",
        "privileges",
        "accounts",
        "rounding account",
        "lock date",
        "delivery type",
        "departments",
        "project owners",
        "error e-mail",
        "expense import",
    }
    assert report.calls <= CALL_BUDGET
    assert report.as_dict()["poweroffice_calls"] == report.calls


def test_a_run_on_the_cached_look_ups_costs_almost_nothing(setup):
    setup.the_usual()
    cold = setup.diagnose()

    warm = setup.diagnose(fresh=False)

    assert [f.what for f in warm.findings] == [f.what for f in cold.findings]
    assert warm.calls <= 2 < cold.calls  # the integration information, the expense count


def test_an_invalid_privilege_names_the_transfer_it_breaks(setup):
    setup.the_usual()
    setup.admin.set_invalid_privileges(setup.client_key, ["OutgoingInvoiceVoucher_Full"])

    report = setup.diagnose()

    [finding] = findings(report, "privileges")
    assert finding.status is Status.FAILED
    assert "OutgoingInvoiceVoucher_Full" in finding.what and "invoices" in finding.what
    assert "grant" in finding.fix
    assert not report.ok


def test_a_look_up_refused_with_403_is_reported_and_the_other_checks_go_on(setup):
    setup.the_usual()
    setup.admin.set_invalid_privileges(setup.client_key, ["GeneralLedgerAccount"])

    report = setup.diagnose()

    [account_check] = findings(report, "accounts")
    assert account_check.status is Status.FAILED and "403" in account_check.what
    assert findings(report, "rounding account") == []
    assert findings(report, "departments")[0].status is Status.OK


def test_a_wrong_client_key_is_the_only_finding(setup):
    setup.admin.reset()  # PowerOffice Go no longer knows the key

    report = setup.diagnose()

    [finding] = report.findings
    assert finding.check == "client key" and finding.status is Status.FAILED
    assert "sync-worker tenant update" in finding.fix


def test_an_account_missing_in_poweroffice_go(setup):
    invoice = setup.the_usual()
    bad = setup.company.invoice(invoice["customer"], invoice["project"], lines=1)
    setup.send("invoice.finalized", {**bad, "lines": [{**bad["lines"][0], "account_code": "3900"}]})

    [finding] = findings(setup.diagnose(), "accounts")

    assert finding.status is Status.FAILED
    assert f"Account 3900 (on invoice {bad['number']}) does not exist" in finding.what
    assert "chart of accounts" in finding.fix


def test_a_vat_code_the_account_is_locked_against(setup):
    setup.admin.add_account(
        setup.client_key, 3010, "Salg, låst", vat_code="3", is_vat_code_locked=True
    )
    invoice = setup.the_usual()
    line = {**invoice["lines"][0], "account_code": "3010", "vat_code": "5"}
    setup.send("invoice.finalized", {**invoice, "number": invoice["number"] + 1, "lines": [line]})

    [finding] = findings(setup.diagnose(), "accounts")

    assert finding.status is Status.FAILED
    assert "VAT code 3 in PowerOffice Go (locked), but Moment sends VAT code 5" in finding.what
    assert "Set the external VAT code on account 3010 in Moment" in finding.fix


def test_moment_rounding_account_7746_against_7740(setup):
    invoice = setup.the_usual()
    rounding = {**invoice["lines"][0], "account_code": "7746", "vat_code": "0"}
    setup.send(
        "invoice.finalized",
        {**invoice, "number": invoice["number"] + 1, "lines": [*invoice["lines"], rounding]},
    )

    report = setup.diagnose()

    [finding] = findings(report, "rounding account")
    assert finding.status is Status.FAILED and "7746" in finding.what
    assert "rounding account (7740)" in finding.fix
    assert findings(report, "accounts")[0].status is Status.OK  # said once, not twice


def test_a_locked_period_with_invoices_waiting(setup):
    invoice = setup.the_usual()
    setup.admin.set_lock_date(setup.client_key, dt.date.fromisoformat(invoice["invoice_date"]))

    [finding] = findings(setup.diagnose(), "lock date")

    assert finding.status is Status.FAILED
    assert f"invoice {invoice['number']} waiting" in finding.what
    assert "Reopen the period in PowerOffice Go" in finding.fix


def test_a_locked_period_before_what_waits_is_fine(setup):
    invoice = setup.the_usual()
    before = dt.date.fromisoformat(invoice["invoice_date"]) - dt.timedelta(days=1)
    setup.admin.set_lock_date(setup.client_key, before)

    [finding] = findings(setup.diagnose(), "lock date")

    assert finding.status is Status.OK and str(before) in finding.what


def test_an_inactive_department(setup):
    setup.admin.add_department(setup.client_key, "40", "Nedlagt", is_active=False)
    invoice = setup.the_usual(department="40")

    [finding] = findings(setup.diagnose(), "departments")

    assert finding.status is Status.FAILED
    assert "department 40 is inactive in PowerOffice Go" in finding.what
    assert f"invoice {invoice['number']}" in finding.what
    assert finding.fix.startswith("Activate it in PowerOffice Go")


def test_an_owner_whose_e_mail_matches_no_employee(setup):
    invoice = setup.the_usual(owner="nils.hansen@acme.no")

    report = setup.diagnose()

    [finding] = findings(report, "project owners")
    assert finding.status is Status.WARNING
    assert "nils.hansen@acme.no" in finding.what and invoice["project"]["number"] in finding.what
    assert "e-mail address in PowerOffice Go" in finding.fix
    assert report.ok  # the project goes without a manager: a warning, not a failure


def test_a_delivery_type_that_needs_an_organisation_number(setup):
    setup.settings(invoice_delivery_type="EHF")
    setup.the_usual()
    lacking = setup.send("customer.changed", setup.company.customer(organization_number=None))

    setting, refused = findings(setup.diagnose(), "delivery type")

    assert setting.status is Status.WARNING and "Print" in setting.fix
    assert refused.status is Status.FAILED
    assert f"Customer {lacking['number']}" in refused.what and "organisation number" in refused.what
    assert refused.fix.startswith("Add the organisation number to the customer in Moment")


def test_customers_already_in_poweroffice_go_are_not_checked_for_creation(setup):
    setup.settings(invoice_delivery_type="EHF")
    lacking = setup.send("customer.changed", setup.company.customer(organization_number=None))
    setup.transferred("customer", lacking["number"], pogo_id="5")

    assert len(findings(setup.diagnose(), "delivery type")) == 1


def test_no_error_address_fails_and_a_test_e_mail_is_sent_when_asked(setup, env):
    from sync_worker.notifications.mailbox import Mailbox

    setup.settings(error_emails="")
    [missing] = findings(setup.diagnose(), "error e-mail")
    assert missing.status is Status.FAILED and "--error-email" in missing.fix

    setup.settings(error_emails="regnskap@acme.no")
    with Mailbox() as box:
        env.setenv("SMTP_HOST", box.host)
        env.setenv("SMTP_PORT", str(box.port))
        from config.settings import reset_settings_cache

        reset_settings_cache()
        [sent] = findings(setup.diagnose(send_test_email=True), "error e-mail")
        [email] = box.to("regnskap@acme.no")
    assert sent.status is Status.OK and "test e-mail" in sent.what
    assert "test e-mail for acme" in email.subject


def test_the_expense_import_counts_what_the_next_import_would_bring(setup):
    setup.the_usual()
    project = setup.sent[1]["number"]
    PowerOfficeClient(setup.client_key).projects.create({"Code": project, "Name": "Nettside"})
    setup.admin.add_supplier_voucher(
        setup.client_key,
        supplier_no=20001,
        voucher_date=setup.company.today,
        lines=[
            {"account_no": 4300, "net_amount": "100.00", "vat_code": "1", "project_code": project}
        ],
    )

    [finding] = findings(setup.diagnose(), "expense import")

    assert "billable" in finding.what and "would bring 1 new expenses" in finding.what
