"""The token endpoint and the keys every API call needs."""

from __future__ import annotations

import time

import requests

from sandbox.simulator import DEFAULT_SUBSCRIPTION_KEY, SimulatorServer
from tests.sandbox.simulator.builders import create_customer
from tests.sandbox.simulator.raw import TIMEOUT, Api, data, token_response

INVALID_CLIENT = {
    "error": "invalid_client",
    "error_description": "Client integration not found. Please ensure the provided keys are "
    "matching the desired environment.",
}


def test_token_is_issued_for_known_keys(simulator, client_key):
    response = token_response(simulator.token_url, client_key)

    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 600
    assert body["access_token"]


def test_demo_path_and_any_casing_reach_the_token_endpoint(simulator, client_key):
    for path in ("/Demo/OAuth/Token", "/demo/oauth/token", "/OAUTH/TOKEN"):
        assert token_response(simulator.url + path, client_key).status_code == 200


def test_unknown_client_key_is_invalid_client(simulator, client_key):
    response = token_response(simulator.token_url, "not-a-client")

    assert response.status_code == 400
    assert response.json() == INVALID_CLIENT


def test_unknown_application_key_is_invalid_client(simulator, client_key):
    response = token_response(simulator.token_url, client_key, application_key="other-app")

    assert response.status_code == 400
    assert response.json() == INVALID_CLIENT


def test_token_needs_client_credentials_grant(simulator, client_key):
    response = requests.post(
        simulator.token_url,
        data={"grant_type": "password"},
        auth=("simulator-application-key", client_key),
        headers={"Ocp-Apim-Subscription-Key": DEFAULT_SUBSCRIPTION_KEY},
        timeout=TIMEOUT,
    )

    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_token_endpoint_needs_the_subscription_key(simulator, client_key):
    response = token_response(simulator.token_url, client_key, subscription_key=None)

    assert response.status_code == 401


def test_missing_subscription_key_is_refused(api):
    headers = api.headers()
    del headers["Ocp-Apim-Subscription-Key"]

    response = requests.get(api.base_url + "/Customers", headers=headers, timeout=TIMEOUT)

    assert response.status_code == 401
    body = response.json()
    assert body["statusCode"] == 401
    assert body["message"].startswith("Access denied due to missing subscription key.")


def test_wrong_subscription_key_is_refused(api):
    headers = {**api.headers(), "Ocp-Apim-Subscription-Key": "wrong"}

    response = requests.get(api.base_url + "/Customers", headers=headers, timeout=TIMEOUT)

    assert response.status_code == 401
    assert "invalid subscription key" in response.json()["message"]


def test_missing_or_unknown_bearer_token_is_refused(api):
    no_token = {"Ocp-Apim-Subscription-Key": DEFAULT_SUBSCRIPTION_KEY}
    unknown = {**no_token, "Authorization": "Bearer not-a-token"}

    for headers in (no_token, unknown):
        response = requests.get(api.base_url + "/Customers", headers=headers, timeout=TIMEOUT)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_token_expires_after_its_lifetime():
    with SimulatorServer(token_ttl=1) as server:
        server.admin.create_client("short-lived")
        api = Api(server.api_base_url, server.token_url, "short-lived")
        assert api.get("/Customers").status_code == 204
        assert token_response(server.token_url, "short-lived").json()["expires_in"] == 1

        time.sleep(1.05)

        assert api.get("/Customers").status_code == 401


def test_the_token_selects_the_client(simulator, admin, api):
    admin.create_client("client-key-other", "Other AS")
    other = Api(simulator.api_base_url, simulator.token_url, "client-key-other")
    customer = create_customer(api)

    assert other.get("/Customers").status_code == 204
    assert other.get(f"/Customers/{customer['Id']}").status_code == 404
    assert data(api.get(f"/Customers/{customer['Id']}"))["Name"] == customer["Name"]


def test_keys_added_with_a_client_are_accepted(simulator, admin):
    admin.create_client("k2", application_key="app-2", subscription_key="sub-2")

    response = token_response(
        simulator.token_url, "k2", application_key="app-2", subscription_key="sub-2"
    )

    assert response.status_code == 200
