"""`GET /ClientIntegrationInformation` and the privileges the admin API takes away."""

from __future__ import annotations

import pytest

from sandbox.simulator import SimulatorAdminError
from tests.sandbox.simulator.raw import data


def test_every_privilege_is_valid_until_one_is_taken_away(api, admin, client_key):
    before = data(api.get("/ClientIntegrationInformation"))
    assert before["InvalidPrivileges"] == [] and "Customer_Full" in before["ValidPrivileges"]
    assert before["ClientName"] == "Acme Konsulent AS"

    admin.set_invalid_privileges(client_key, ["Customer_Full"])
    after = data(api.get("/ClientIntegrationInformation"))

    assert after["InvalidPrivileges"] == ["Customer_Full"]
    assert "Customer_Full" not in after["ValidPrivileges"]


def test_an_endpoint_without_its_privilege_answers_403_and_others_still_work(
    api, admin, client_key
):
    admin.set_invalid_privileges(client_key, ["GeneralLedgerAccount"])

    refused = api.get("/GeneralLedgerAccounts")

    assert refused.status_code == 403 and "GeneralLedgerAccount" in refused.text
    assert api.get("/Departments").status_code == 200
    admin.set_invalid_privileges(client_key, [])
    assert api.get("/GeneralLedgerAccounts").status_code == 200


def test_an_unknown_privilege_is_refused(admin, client_key):
    with pytest.raises(SimulatorAdminError, match="unknown privileges"):
        admin.set_invalid_privileges(client_key, ["Everything_Full"])
