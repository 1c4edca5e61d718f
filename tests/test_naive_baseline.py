"""The naive baseline (`benchmarks.naive`) against the simulator over real HTTP: the
vouchers land with their PDFs, and each invoice costs exactly the calls its design says."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest

from benchmarks.naive import NaiveIntegration, run_naive
from sandbox.sample_data import SampleCompany
from sandbox.simulator import SimulatorAdmin, SimulatorServer
from sandbox.simulator.auth import DEFAULT_APPLICATION_KEY, DEFAULT_SUBSCRIPTION_KEY

# token, accounts, VAT codes, customer found + sent, project found + sent, voucher, PDF
CALLS_WITH_PROJECT = 9
CALLS_WITHOUT_PROJECT = 7  # no project: two calls fewer


@pytest.fixture(scope="module")
def simulator() -> Iterator[SimulatorServer]:
    with SimulatorServer(rate_limit=None) as server:
        yield server


@pytest.fixture
def admin(simulator: SimulatorServer) -> Iterator[SimulatorAdmin]:
    admin = simulator.admin
    admin.reset_stats()
    yield admin
    admin.set_rate_limit(None)


@pytest.fixture
def client_key(admin: SimulatorAdmin) -> str:
    key = f"naive-{uuid.uuid4().hex[:12]}"
    admin.create_client(key, "Naiv Konsulent AS")
    admin.seed_client(key)
    return key


@pytest.fixture
def naive(simulator: SimulatorServer, client_key: str) -> Iterator[NaiveIntegration]:
    integration = NaiveIntegration(
        api_base_url=simulator.api_base_url,
        token_url=simulator.token_url,
        application_key=DEFAULT_APPLICATION_KEY,
        subscription_key=DEFAULT_SUBSCRIPTION_KEY,
        client_key=client_key,
        tenant="naive",
    )
    yield integration
    integration.close()


def test_three_invoices_land_with_their_pdfs_at_the_designed_cost(
    naive: NaiveIntegration, admin: SimulatorAdmin, client_key: str
) -> None:
    company = SampleCompany("naive", seed=3)
    regular, other = company.customer(), company.customer()
    project = company.project(regular)
    invoices = [
        company.invoice(regular, project),  # customer and project created
        company.invoice(regular, project),  # both found and sent again in full
        company.invoice(other, None),  # a new customer, no project
    ]
    messages = [company.message("invoice.finalized", invoice) for invoice in invoices]

    result = run_naive(naive, messages)

    assert result.invoices == 3
    assert result.status_429 == 0
    assert result.calls == 2 * CALLS_WITH_PROJECT + CALLS_WITHOUT_PROJECT
    assert result.calls == admin.stats()["total_requests"]
    assert result.calls_per_invoice == pytest.approx(25 / 3)
    assert result.per_second > 0
    by_endpoint = admin.stats()["by_endpoint"]
    assert by_endpoint["POST /OAuth/Token"] == {"200": 3}  # a token per invoice
    assert by_endpoint["GET /v2/VatCodes"] == {"200": 3}  # look-ups every time
    # The second invoice sends its unchanged customer and project again, in full.
    assert by_endpoint["PATCH /v2/Customers/{customer_id}"] == {"200": 1}
    assert by_endpoint["PATCH /v2/Projects/{project_id}"] == {"200": 1}
    vouchers = {str(v["InvoiceNo"]): v for v in admin.vouchers(client_key)}
    assert sorted(vouchers) == sorted(str(invoice["number"]) for invoice in invoices)
    for invoice in invoices:
        voucher = vouchers[str(invoice["number"])]
        assert voucher["HasPdf"] is True
        assert Decimal(str(voucher["CurrencyAmount"])) == Decimal(invoice["total_incl_vat"])
    documents = {d["voucher_id"] for d in admin.documents(client_key) if d["kind"] == "pdf"}
    assert documents == {v["Id"] for v in vouchers.values()}
    assert len(admin.customers(client_key)) == 2
    (created,) = admin.projects(client_key)
    assert created["Code"] == project["number"]
    assert created["DepartmentCode"] == project["department_code"]


def test_a_credit_note_goes_to_the_same_journal(
    naive: NaiveIntegration, admin: SimulatorAdmin, client_key: str
) -> None:
    company = SampleCompany("naive", seed=5)
    customer = company.customer()
    invoice = company.invoice(customer, None)
    credit_note = company.invoice(customer, None, credit_for=invoice)
    messages = [
        company.message("invoice.finalized", invoice),
        company.message("credit_note.finalized", credit_note),
    ]

    result = run_naive(naive, messages)

    assert (result.invoices, result.calls) == (2, 2 * CALLS_WITHOUT_PROJECT)
    posted = {str(v["InvoiceNo"]): v for v in admin.vouchers(client_key)}
    assert Decimal(str(posted[str(credit_note["number"])]["CurrencyAmount"])) < 0
    assert all(v["HasPdf"] for v in posted.values())


def test_a_429_is_waited_out_and_counted(
    naive: NaiveIntegration, admin: SimulatorAdmin, client_key: str
) -> None:
    admin.set_rate_limit(5)  # fewer than one invoice's calls: the sixth call is refused
    company = SampleCompany("naive", seed=7)
    customer = company.customer()
    message = company.message(
        "invoice.finalized", company.invoice(customer, company.project(customer))
    )

    result = run_naive(naive, [message])

    assert result.status_429 >= 1
    assert result.calls == CALLS_WITH_PROJECT + result.status_429
    assert result.seconds >= 1.0  # the advertised Retry-After, slept
    assert admin.vouchers(client_key)[0]["HasPdf"] is True


def test_other_messages_are_refused(naive: NaiveIntegration) -> None:
    company = SampleCompany("naive")
    with pytest.raises(ValueError, match="vouchers only"):
        naive.transfer(company.message("customer.changed", company.customer()))
    assert naive.calls == 0
