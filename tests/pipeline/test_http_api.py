"""The HTTP door end to end: a batch POSTed over real HTTP to the door (served in this
process on a free port), transferred by the pipeline's real worker to the simulator, and
followed through the door: a message done with its history, a failed invoice among the
transfers, and nothing of it for another tenant's token."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests
from werkzeug.serving import make_server

from sandbox.simulator import SimulatorServer
from sync_worker.api import auth
from sync_worker.api.app import application
from tests.pipeline.conftest import Tenant, new_tenant

pytestmark = pytest.mark.pipeline


@dataclass
class Door:
    url: str
    simulator: SimulatorServer

    def call(self, method: str, path: str, token: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"}
        return requests.request(method, self.url + path, headers=headers, timeout=30, **kwargs)


@pytest.fixture
def served(pipeline, simulator) -> Iterator[Door]:
    """The door over HTTP, on the pipeline's services."""
    server = make_server("127.0.0.1", 0, application, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Door(f"http://127.0.0.1:{server.server_port}", simulator)
    finally:
        server.shutdown()
        thread.join(timeout=10)


def batch(tenant: Tenant) -> tuple[list[dict], dict, dict]:
    """A customer, its project, an invoice, and an invoice whose second line has no VAT
    code (which the accountant must fix in Moment)."""
    sample = tenant.sample
    customer = sample.customer()
    project = sample.project(customer)
    invoice = sample.invoice(customer, project)
    broken = sample.invoice(customer, project)
    broken["lines"][1]["vat_code"] = None
    messages = [
        sample.message("customer.changed", customer),
        sample.message("project.changed", project),
        sample.message("invoice.finalized", invoice),
        sample.message("invoice.finalized", broken),
    ]
    return messages, invoice, broken


def test_a_batch_over_http_is_transferred_and_followed_through_the_door(served):
    door = served
    tenant = new_tenant(door.simulator)
    stranger = new_tenant(door.simulator, "rival")
    token = auth.create_token(tenant.code, "moment-backend")[1]
    strangers_token = auth.create_token(stranger.code)[1]
    messages, invoice, broken = batch(tenant)

    posted = door.call("POST", "/v1/messages", token, json=messages)
    assert posted.status_code == 200, posted.text
    assert posted.json()["accepted"] == len(messages), posted.json()
    invoice_message = messages[2]["message_id"]

    state = tenant.wait_for("invoice", invoice["number"])
    tenant.wait_for("invoice", broken["number"], status="failed")

    followed = door.call("GET", f"/v1/messages/{invoice_message}", token).json()
    assert followed["status"] == "done"
    assert followed["transfer"]["status"] == "done"
    assert followed["transfer"]["step"] == "attachment_uploaded"
    assert followed["transfer"]["poweroffice_id"] == state.pogo_id
    [voucher] = [v for v in tenant.vouchers() if str(v["InvoiceNo"]) == str(invoice["number"])]
    assert voucher["Id"] == state.pogo_id
    assert followed["history"], followed
    # Nothing failed or was retried; a sample project's owner may be no employee (a warning).
    outcomes = {attempt["outcome"] for attempt in followed["history"]}
    assert outcomes <= {"ok", "skipped", "warning"} and "ok" in outcomes

    failed = door.call(
        "GET", f"/v1/tenants/{tenant.code}/transfers", token, params={"status": "failed"}
    ).json()["transfers"]
    assert [(t["kind"], t["number"]) for t in failed] == [("invoice", str(broken["number"]))]
    assert "VAT code" in failed[0]["last_error"]

    # Another tenant's token sees none of it, and cannot publish in this tenant's name.
    assert door.call("GET", f"/v1/messages/{invoice_message}", strangers_token).status_code == 404
    assert (
        door.call("GET", f"/v1/tenants/{tenant.code}/transfers", strangers_token).status_code == 404
    )
    again = door.call("POST", "/v1/messages", strangers_token, json=messages).json()
    assert again["refused"] == len(messages)
    assert all("tenant:" in r["error"] for r in again["results"])

    # The same batch from its own tenant again: stored once, every message a duplicate.
    repeated = door.call("POST", "/v1/messages", token, json=messages).json()
    assert repeated["duplicate"] == len(messages)
