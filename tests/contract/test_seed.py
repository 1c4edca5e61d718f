"""A realistic Norwegian client is one fixture (`SimulatorAdmin.seed_client`) or one command
(`pogo-simulator --seed`), and the project's client reads exactly that setup back.

The expected values are written out here rather than taken from `simulator.seed`: this is
the check that the seed says what Norwegian accounting needs (../shared/reference/norway.md).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sandbox.simulator import DEFAULT_CLIENT_KEY
from sync_worker.poweroffice import PowerOfficeClient
from tests.contract.helpers import (
    SimulatorProcess,
    pogo_environment,
    settings_from_environment,
    simulator_process,
)
from tests.support.poweroffice import VAT_RATES


@pytest.fixture(scope="module")
def seeded_by_command() -> Iterator[SimulatorProcess]:
    with simulator_process("--seed") as server:
        yield server


@pytest.fixture(params=["fixture", "command"])
def seeded_client(request, make_client, monkeypatch) -> PowerOfficeClient:
    """The project's client on a seeded PowerOffice Go client, made either way."""
    if request.param == "fixture":
        return make_client()  # `client_key` is created and seeded through the admin API
    server = request.getfixturevalue("seeded_by_command")
    environment = pogo_environment(server.api_base_url, server.token_url)
    return make_client(
        DEFAULT_CLIENT_KEY, settings=settings_from_environment(monkeypatch, environment)
    )


def test_seeded_vat_codes_are_the_saft_codes_with_their_rates(seeded_client):
    codes = seeded_client.vat_codes.by_code()

    assert {code: row["Rate"] for code, row in codes.items()} == VAT_RATES
    assert all(row["IsActive"] for row in codes.values())


def test_seeded_rounding_account_is_7740_without_vat_and_7746_is_absent(seeded_client):
    accounts = seeded_client.accounts.by_number()

    assert accounts["7740"]["VatCode"] is None
    assert accounts["7740"]["VatCodeId"] is None
    assert "7746" not in accounts
    # A Norwegian (NS 4102) chart: receivables, bank, VAT, sales and cost accounts.
    assert {"1500", "1920", "2400", "2700", "2710", "3000", "4000", "6800"} <= set(accounts)
    assert accounts["3000"]["VatCode"] == "3"


def test_seeded_departments_employees_and_suppliers(seeded_client):
    assert sorted(seeded_client.departments.by_code()) == ["10", "20", "30"]
    assert len(seeded_client.employees.list()) == 4
    assert len(seeded_client.suppliers.by_numbers(range(20001, 20006))) == 5
    assert seeded_client.lock_date.get() is None
