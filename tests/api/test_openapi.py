"""The door against its own OpenAPI document (schemathesis): generated requests, with a
valid token, never make a server error, and every answer (status, content type, body,
headers) is one the document describes; and the real answers with data in them, made on
purpose, conform to it too."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from sync_worker.api.app import application
from tests.api.test_app import MESSAGE_ID, add_expense, add_state
from tests.schemas.examples import message

schema = schemathesis.openapi.from_wsgi("/v1/openapi.json", application)

CONFORMS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


@pytest.fixture
def seeded(door):
    """The door with a message, its failed transfer and an expense with an attachment."""
    door.post("/v1/messages", json=message("customer.changed"))
    add_state("acme", "customer", "10001", "failed", last_error="no such account")
    add_expense("acme")
    return door


@schema.parametrize()
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_generated_requests_get_answers_the_document_describes(case, seeded):
    if "tenant" in case.path_parameters:
        # The token's own tenant, so that the calls reach the data; another's is a 404
        # (tests/api/test_app.py).
        case.path_parameters["tenant"] = "acme"
    case.call_and_validate(headers=seeded.headers(), checks=CONFORMS)


def test_the_answers_with_data_in_them_conform_too(seeded):
    def call(path: str, method: str, **parts):
        case = schema[path][method].Case(**parts)
        return case.call_and_validate(headers=seeded.headers(), checks=CONFORMS)

    state = call("/v1/messages/{message_id}", "GET", path_parameters={"message_id": MESSAGE_ID})
    assert state.json()["message_id"] == MESSAGE_ID
    transfers = call(
        "/v1/tenants/{tenant}/transfers",
        "GET",
        path_parameters={"tenant": "acme"},
        query={"status": "failed"},
    )
    assert transfers.json()["transfers"][0]["last_error"] == "no such account"
    claimed = call(
        "/v1/tenants/{tenant}/expenses/claim",
        "POST",
        path_parameters={"tenant": "acme"},
        body={"limit": 5},
        media_type="application/json",
    )
    [expense] = claimed.json()["expenses"]
    download = call(
        "/v1/tenants/{tenant}/expenses/{expense_id}/attachments/{number}",
        "GET",
        path_parameters={"tenant": "acme", "expense_id": expense["id"], "number": 1},
    )
    assert download.content.startswith(b"%PDF")
    acknowledged = call(
        "/v1/tenants/{tenant}/expenses/acknowledge",
        "POST",
        path_parameters={"tenant": "acme"},
        body={"token": claimed.json()["token"]},
        media_type="application/json",
    )
    assert acknowledged.json() == {"acknowledged": 1}
    published = call(
        "/v1/messages",
        "POST",
        body=[message("customer.changed"), message("project.changed", message_id=None)],
        media_type="application/json",
    )
    assert [r["status"] for r in published.json()["results"]] == ["duplicate", "refused"]
