"""The admin API: seeding, single additions, read-back, statistics and reset."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sandbox.simulator import SimulatorAdminError
from sandbox.simulator.books import page_image
from tests.sandbox.simulator.builders import PDF, create_customer, create_project
from tests.sandbox.simulator.raw import data
from tests.support.poweroffice import VAT_RATES

REQUIRED_ACCOUNTS = {
    1500, 1920, 2400, 2700, 2710, 2740, 2900, 3000, 3100, 3200, 4000, 4001,
    4300, 5000, 6300, 6540, 6800, 7100, 7140, 7320, 7740, 8150,
}  # fmt: skip


def test_seed_gives_a_norwegian_chart_of_accounts(api):
    accounts = {row["AccountNo"]: row for row in data(api.get("/GeneralLedgerAccounts"))}

    assert set(accounts) >= REQUIRED_ACCOUNTS
    assert 7746 not in accounts
    assert accounts[7740]["Name"] == "Øreavrunding"
    assert accounts[7740]["VatCode"] is None
    assert accounts[3000]["GeneralLedgerAccountType"] == "Income"
    assert accounts[7140]["GeneralLedgerAccountType"] == "Expense"
    vat_ids = {row["Code"]: row["Id"] for row in data(api.get("/VatCodes"))}
    assert accounts[3000]["VatCodeId"] == vat_ids["3"]


def test_seed_gives_saft_vat_codes_with_rates(api):
    rows = data(api.get("/VatCodes"))

    assert {row["Code"]: row["Rate"] for row in rows} == VAT_RATES
    assert all(row["IsActive"] for row in rows)


def test_seed_gives_departments_employees_and_suppliers(api):
    departments = data(api.get("/Departments"))
    employees = data(api.get("/Employees"))
    suppliers = {row["Number"]: row["Name"] for row in data(api.get("/Suppliers"))}

    assert [(d["Code"], d["Name"], d["IsActive"]) for d in departments] == [
        ("10", "Administrasjon", True),
        ("20", "Konsulent", True),
        ("30", "Utvikling", True),
    ]
    assert all("@" in employee["EmailAddress"] for employee in employees)
    assert {"Norwegian Air Shuttle ASA", "Elkjøp Norge AS", "Telenor Norge AS"} <= set(
        suppliers.values()
    )


def test_seed_without_lock_date_leaves_periods_open(api):
    assert data(api.get("/LockDateSettings")) == {}  # LockDate is not nullable in the spec


def test_seed_with_lock_date(simulator, admin):
    admin.create_client("locked")
    admin.seed_client("locked", lock_date="2025-12-31")

    assert admin.client("locked")["lock_date"] == "2025-12-31"


def test_set_lock_date_shows_in_the_api(api, admin):
    admin.set_lock_date(api.client_key, "2026-06-30")
    assert data(api.get("/LockDateSettings")) == {"LockDate": "2026-06-30"}

    admin.set_lock_date(api.client_key, None)
    assert data(api.get("/LockDateSettings")) == {}  # LockDate is not nullable in the spec


def test_single_additions_show_in_the_api(api, admin):
    key = api.client_key
    admin.add_vat_code(key, "C1", "Egen kode", "0.10")
    admin.add_account(key, 6420, "Leie datasystemer", vat_code="C1")
    admin.add_department(key, "40", "Salg", is_active=False)
    admin.add_employee(key, "Per", "Hansen", "per.hansen@acme.no", number=9)
    admin.add_supplier(key, 20099, "Kontorspar AS", organization_number="915620442")

    account = data(api.get("/GeneralLedgerAccounts", accountNos="6420"))[0]
    assert account["VatCode"] == "C1"
    assert data(api.get("/Departments", codes="40"))[0]["IsActive"] is False
    assert data(api.get("/Employees", employeeNos="9"))[0]["EmailAddress"] == "per.hansen@acme.no"
    assert data(api.get("/Suppliers", supplierNos="20099"))[0]["Name"] == "Kontorspar AS"


def test_duplicates_and_unknown_references_are_refused(api, admin):
    key = api.client_key
    with pytest.raises(SimulatorAdminError, match="already exists"):
        admin.add_account(key, 3000, "Igjen")
    with pytest.raises(SimulatorAdminError, match="VAT code 99"):
        admin.add_account(key, 3999, "Ukjent mva", vat_code="99")
    with pytest.raises(SimulatorAdminError, match="already exists"):
        admin.seed_client(key)


def test_unknown_client_is_404(admin):
    with pytest.raises(SimulatorAdminError) as raised:
        admin.customers("nobody")

    assert raised.value.status == 404


def test_duplicate_client_is_409(admin, client_key):
    with pytest.raises(SimulatorAdminError) as raised:
        admin.create_client(client_key)

    assert raised.value.status == 409


def test_supplier_voucher_is_checked(api, admin):
    key = api.client_key
    line = {"account_no": 7140, "net_amount": "100"}
    with pytest.raises(SimulatorAdminError, match="supplier 29999"):
        admin.add_supplier_voucher(key, supplier_no=29999, voucher_date="2026-11-01", lines=[line])
    with pytest.raises(SimulatorAdminError, match="project P9"):
        admin.add_supplier_voucher(
            key,
            supplier_no=20001,
            voucher_date="2026-11-01",
            lines=[{**line, "project_code": "P9"}],
        )
    with pytest.raises(SimulatorAdminError, match="PDF"):
        admin.add_supplier_voucher(
            key, supplier_no=20001, voucher_date="2026-11-01", lines=[line], pdf=b"GIF89a"
        )


def test_read_back_of_what_the_api_stored(api, admin):
    customer = create_customer(api, number=10001)
    project = create_project(api, "P1", CustomerNo=10001)

    assert admin.customers(api.client_key) == [customer]
    assert admin.projects(api.client_key) == [project]
    assert len(admin.accounts(api.client_key)) == 25
    assert len(admin.vat_codes(api.client_key)) == 10
    assert len(admin.departments(api.client_key)) == 3
    assert len(admin.employees(api.client_key)) == 4
    assert len(admin.suppliers(api.client_key)) == 5


def test_read_back_of_vouchers_documents_and_transactions(api, admin):
    voucher = admin.add_supplier_voucher(
        api.client_key,
        supplier_no=20002,
        voucher_date="2026-11-10",
        description="Skjerm",
        pdf=PDF,
        pdf_filename="elkjop.pdf",
        lines=[{"account_no": 6540, "net_amount": "3999.20", "vat_code": "1"}],
    )

    [stored] = admin.vouchers(api.client_key)
    assert stored == voucher
    assert (stored["HasPdf"], stored["HasImages"], stored["HasEhf"]) == (True, False, False)
    assert stored["Lines"][0]["NetAmount"] == Decimal("3999.20")
    assert [row["AccountNo"] for row in stored["Transactions"]] == [6540, 2710, 2400]
    assert admin.transactions(api.client_key) == stored["Transactions"]
    [document] = admin.documents(api.client_key)
    assert (document["kind"], document["filename"]) == ("pdf", "elkjop.pdf")
    assert document["size"] == len(PDF)
    assert "content" not in document


def test_read_back_of_page_images_and_ehf(api, admin):
    pages = [page_image(0), page_image(1)]
    voucher = admin.add_supplier_voucher(
        api.client_key,
        supplier_no=20003,
        voucher_date="2026-11-10",
        page_images=pages,
        ehf=True,
        lines=[{"account_no": 6900, "net_amount": "399.20", "vat_code": "1"}],
    )

    documents = admin.documents(api.client_key, include_bytes=True)

    assert (voucher["HasPdf"], voucher["HasImages"], voucher["HasEhf"]) == (False, True, True)
    assert [(row["kind"], row["filename"]) for row in documents] == [
        ("image", f"{voucher['VoucherNo']}_0.jpg"),
        ("image", f"{voucher['VoucherNo']}_1.jpg"),
        ("ehf", f"{voucher['VoucherNo']}.xml"),
    ]
    assert [row["content"] for row in documents[:2]] == pages


def test_journal_lines_are_checked(api, admin):
    with pytest.raises(SimulatorAdminError, match="supplier 29999"):
        admin.add_journal(
            api.client_key,
            voucher_type="BankJournal",
            voucher_date="2026-11-01",
            lines=[
                {"account_no": 2400, "net_amount": "10", "supplier_no": 29999},
                {"account_no": 1920, "net_amount": "-10"},
            ],
        )
    with pytest.raises(SimulatorAdminError, match="account 9999"):
        admin.add_journal(
            api.client_key,
            voucher_type="ManualJournal",
            voucher_date="2026-11-01",
            lines=[{"account_no": 9999, "net_amount": "0"}],
        )
    with pytest.raises(SimulatorAdminError, match="supplier is the voucher's"):
        admin.add_supplier_voucher(
            api.client_key,
            supplier_no=20001,
            voucher_date="2026-11-01",
            lines=[{"account_no": 7140, "net_amount": "1", "supplier_no": 20002}],
        )


def test_stats_count_requests_by_endpoint_and_status(api, admin):
    admin.reset_stats()
    api.get("/Customers")
    api.get("/Customers/1")

    stats = admin.stats()

    assert stats["by_endpoint"]["GET /v2/Customers"] == {"204": 1}
    assert stats["by_endpoint"]["GET /v2/Customers/{customer_id}"] == {"404": 1}
    assert stats["total_requests"] == 2


def test_bad_fault_settings_are_refused(admin):
    with pytest.raises(SimulatorAdminError, match="unknown fault settings"):
        admin.set_faults(explode=True)
    with pytest.raises(SimulatorAdminError, match="error_rate"):
        admin.set_faults(error_rate=2)


def test_reset_forgets_everything(api, admin):
    admin.set_faults(error_rate=1.0)

    admin.reset()

    assert admin.clients() == []
    assert admin.faults()["config"]["error_rate"] == 0
    assert admin.rate_limit() == 10
    assert api.get("/VatCodes").status_code == 401
