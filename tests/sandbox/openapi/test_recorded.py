"""The check the `rsps` fixture runs at teardown catches a wrong request the client sent."""

from __future__ import annotations

import responses

from tests.poweroffice.conftest import BASE, TOKEN_URL, TokenEndpoint
from tests.sandbox.openapi.recorded import recorded_problems, request_problems


def _sent(make_client, send) -> list:
    """The requests `send(client)` made, recorded by a mock of its own: the test's wrong
    request must not also fail the `rsps` fixture's teardown check."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        TokenEndpoint(mock)
        mock.add(responses.POST, f"{BASE}/Customers", status=201, json={"Id": 5})
        mock.add(responses.GET, f"{BASE}/Customers", status=204)
        send(make_client())
        return [call.request for call in mock.calls]


def test_a_wrong_field_in_a_body_fails_the_check(make_client):
    sent = _sent(make_client, lambda client: client.customers.create({"Name": "A", "Nmae": "B"}))

    assert recorded_problems(sent, BASE) == [
        f"POST {BASE}/Customers: body.Nmae: not a property of the spec's schema"
    ]


def test_a_half_address_fails_the_check(make_client):
    body = {"Name": "A", "MailAddress": {"ZipCode": "0155"}}
    sent = _sent(make_client, lambda client: client.customers.create(body))

    assert recorded_problems(sent, BASE) == [
        f"POST {BASE}/Customers: body.MailAddress: 'City' is a required property"
    ]


def test_an_unknown_filter_fails_the_check(make_client):
    sent = _sent(make_client, lambda client: client.list_all("/Customers", {"orgNo": "923609016"}))

    assert recorded_problems(sent, BASE) == [
        f"GET {BASE}/Customers?orgNo=923609016&PageNumber=1&PageSize=5000: "
        "query: unknown parameter 'orgNo'"
    ]


def test_requests_outside_the_v2_base_are_not_checked(make_client):
    sent = _sent(make_client, lambda client: client.customers.create({"Name": "A"}))

    token_request = next(request for request in sent if request.url == TOKEN_URL)
    assert request_problems(token_request, BASE) == []
    assert recorded_problems(sent, BASE) == []
