"""The HTTP door in-process (werkzeug's test client) on a real PostgreSQL: tokens, one
tenant's data only, the producer's answers per message, and the expense calls."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from sync_worker.api import app as door_app
from sync_worker.api import auth
from sync_worker.db.models import (
    ApiToken,
    Attempt,
    EntityState,
    Expense,
    ExpenseAttachment,
    Message,
)
from sync_worker.db.session import session_scope
from sync_worker.tenants import get_tenant
from tests.schemas.examples import message

MESSAGE_ID = "0b6f8a2e-5c1d-4d59-9a63-1f0f6f3b7c11"
OTHER_ID = "7d9e4a10-2b3c-4d5e-8f60-718293a4b5c6"
PDF = b"%PDF-1.4\n% a receipt\n"


def tenant_id(code: str) -> int:
    with session_scope() as session:
        return get_tenant(session, code).id


def stored_messages() -> int:
    with session_scope() as session:
        return session.scalar(select(func.count()).select_from(Message))


def add_state(code: str, kind: str, number: str, status: str, **fields) -> int:
    with session_scope() as session:
        state = EntityState(
            tenant_id=tenant_id(code), kind=kind, number=number, status=status, **fields
        )
        session.add(state)
        session.flush()
        return state.id


def add_expense(code: str, source_id: str = "voucher-1/line-1") -> int:
    with session_scope() as session:
        expense = Expense(
            tenant_id=tenant_id(code),
            source_id=source_id,
            project_number="2026-017",
            description="Fly Oslo–Bergen",
            amount_incl_vat=Decimal("1250.00"),
            supplier_name="Widerøe AS",
            invoice_date=dt.date(2026, 11, 20),
            account_code="7140",
            billable=True,
            attachments=[
                ExpenseAttachment(
                    filename="kvittering æøå.pdf",
                    content_type="application/pdf",
                    content=PDF,
                    sha256=hashlib.sha256(PDF).hexdigest(),
                )
            ],
        )
        session.add(expense)
        session.flush()
        return expense.id


# --- the document ------------------------------------------------------------------------


def test_the_openapi_document_is_served_without_a_token_and_names_every_route(door):
    answer = door.client.get("/v1/openapi.json")
    assert answer.status_code == 200
    document = answer.json
    assert document["openapi"].startswith("3.")
    # werkzeug writes a variable <converter(options):name>, OpenAPI {name}.
    routes = {
        (re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule), method.lower())
        for rule in door_app.URLS.iter_rules()
        for method in rule.methods - {"HEAD"}
    }
    documented = {
        (path, method) for path, operations in document["paths"].items() for method in operations
    }
    assert routes == documented


# --- authentication ----------------------------------------------------------------------

TENANT_PATHS = [
    ("get", "/v1/tenants/acme/transfers"),
    ("post", "/v1/tenants/acme/expenses/claim"),
    ("post", "/v1/tenants/acme/expenses/acknowledge"),
    ("get", "/v1/tenants/acme/expenses/1/attachments/1"),
]
EVERY_PATH = [("post", "/v1/messages"), ("get", f"/v1/messages/{MESSAGE_ID}"), *TENANT_PATHS]


@pytest.mark.parametrize(("method", "path"), EVERY_PATH)
def test_without_a_token_every_call_is_401_with_a_bearer_challenge(door, method, path):
    answer = getattr(door.client, method)(path, json={})
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Bearer realm=")
    assert "token" in answer.json["error"]


@pytest.mark.parametrize("header", ["Bearer swk_not-a-token", "Basic dXNlcjpwYXNz", "Bearer "])
def test_a_wrong_token_is_401_and_never_repeated_back(door, header, caplog):
    caplog.set_level(logging.DEBUG)
    answer = door.client.get("/v1/tenants/acme/transfers", headers={"Authorization": header})
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    secret = header.partition(" ")[2]
    if secret:
        assert secret not in answer.get_data(as_text=True)
        assert secret not in caplog.text
        assert secret not in answer.headers["WWW-Authenticate"]


def test_a_revoked_token_is_refused_from_the_next_request_on(door):
    assert door.get("/v1/tenants/acme/transfers").status_code == 200
    [info] = auth.list_tokens("acme")
    assert info.last_used_at is not None
    auth.revoke_token(info.id)
    answer = door.get("/v1/tenants/acme/transfers")
    assert answer.status_code == 401
    assert "error=invalid_token" in answer.headers["WWW-Authenticate"]


def test_only_the_tokens_hash_is_stored(door):
    with session_scope() as session:
        hashes = set(session.scalars(select(ApiToken.token_hash)))
    assert hashes == {hashlib.sha256(t.encode()).hexdigest() for t in door.tokens.values()}
    assert all(token.startswith(auth.TOKEN_PREFIX) for token in door.tokens.values())


# --- one tenant's data only ---------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), TENANT_PATHS)
def test_another_tenants_paths_are_not_found(door, method, path):
    add_expense("acme")
    own = getattr(door, method)(path.replace("acme", "other"), "other", json={"ids": [1]})
    assert own.status_code != 404 or path.endswith("attachments/1")
    foreign = getattr(door, method)(path, "other", json={"ids": [1]})
    missing = getattr(door, method)(path.replace("acme", "no-such-tenant"), "other", json={})
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json == missing.json == {"error": "not found"}


def test_another_tenants_message_is_not_found_as_an_unknown_one_is(door):
    assert door.post("/v1/messages", json=message("customer.changed")).status_code == 200
    assert door.get(f"/v1/messages/{MESSAGE_ID}").status_code == 200
    foreign = door.get(f"/v1/messages/{MESSAGE_ID}", "other")
    unknown = door.get(f"/v1/messages/{OTHER_ID}", "other")
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.json == unknown.json
    assert door.get("/v1/messages/not-a-uuid").status_code == 404


def test_a_message_naming_another_tenant_is_refused_whether_that_tenant_exists_or_not(door):
    answer = door.post(
        "/v1/messages",
        json=[
            message("customer.changed", tenant="other"),
            message("customer.changed", tenant="nobody", message_id=OTHER_ID),
        ],
    )
    assert answer.status_code == 200
    first, second = answer.json["results"]
    assert first["status"] == second["status"] == "refused"
    assert first["error"].replace("'other'", "'X'") == second["error"].replace(
        OTHER_ID, MESSAGE_ID
    ).replace("'nobody'", "'X'")
    assert "tenant:" in first["error"]
    assert stored_messages() == 0


def test_another_tenants_transfers_are_not_listed(door):
    add_state("acme", "invoice", "10234", "failed", last_error="no VAT code")
    add_state("other", "invoice", "10234", "failed", last_error="theirs")
    [row] = door.get("/v1/tenants/other/transfers", "other").json["transfers"]
    assert row["last_error"] == "theirs"


# --- publishing ---------------------------------------------------------------------------


def test_one_message_is_accepted_then_a_duplicate(door):
    answer = door.post("/v1/messages", json=message("customer.changed"))
    assert answer.status_code == 200
    assert answer.json == {
        "results": [{"item": 1, "message_id": MESSAGE_ID, "status": "accepted", "error": None}],
        "accepted": 1,
        "duplicate": 0,
        "refused": 0,
    }
    again = door.post("/v1/messages", json=message("customer.changed"))
    assert again.json["results"][0]["status"] == "duplicate"
    assert stored_messages() == 1


def test_a_batch_answers_each_message_and_a_refused_one_names_its_field(door):
    bad = message("invoice.finalized", message_id=OTHER_ID)
    bad["data"]["lines"][0]["vat_code"] = 25
    answer = door.post("/v1/messages", json=[message("customer.changed"), bad, "not a message"])
    assert answer.status_code == 200
    accepted, refused, odd = answer.json["results"]
    assert (accepted["item"], accepted["status"]) == (1, "accepted")
    assert (refused["item"], refused["status"], refused["message_id"]) == (2, "refused", OTHER_ID)
    assert "data.lines.0.vat_code" in refused["error"]
    assert odd["status"] == "refused" and "Not a JSON object" in odd["error"]
    assert answer.json["refused"] == 2
    assert stored_messages() == 1


def test_a_repeated_key_is_refused_naming_it(door):
    text = json.dumps(message("customer.changed"))[:-1] + ', "version": 2}'
    answer = door.post("/v1/messages", data=text, content_type="application/json")
    [result] = answer.json["results"]
    assert result["status"] == "refused" and "version" in result["error"]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"", "empty"),
        (b"{not json", "not JSON"),
        (b'{"a": ' * 100_000, "not JSON"),
        (b"\xff\xfe{}", "UTF-8"),
    ],
)
def test_a_body_that_is_not_json_is_400(door, body, words):
    answer = door.post("/v1/messages", data=body, content_type="application/json")
    assert answer.status_code == 400
    assert words in answer.json["error"]
    assert stored_messages() == 0


def test_a_body_too_large_is_413(door, monkeypatch):
    monkeypatch.setattr(door_app.DoorRequest, "max_content_length", 1000)
    answer = door.post("/v1/messages", json=[message("customer.changed")] * 10)
    assert answer.status_code == 413
    assert "MiB" in answer.json["error"]
    assert stored_messages() == 0


# --- a message's state --------------------------------------------------------------------


def test_a_message_shows_its_status_its_transfer_and_its_history(door):
    door.post("/v1/messages", json=message("customer.changed"))
    queued = door.get(f"/v1/messages/{MESSAGE_ID}").json
    assert (queued["status"], queued["transfer"], queued["history"]) == ("queued", None, [])
    assert (queued["kind"], queued["number"], queued["type"]) == (
        "customer",
        "10001",
        "customer.changed",
    )

    state_id = add_state("acme", "customer", "10001", "done", step="customer_saved", pogo_id="77")
    with session_scope() as session:
        for step in ("lookups", "customer_saved"):
            session.add(
                Attempt(
                    tenant_id=tenant_id("acme"),
                    entity_state_id=state_id,
                    message_id=MESSAGE_ID,
                    step=step,
                    outcome="ok",
                )
            )
        session.get(Message, MESSAGE_ID).status = "done"
    done = door.get(f"/v1/messages/{MESSAGE_ID.upper()}").json
    assert done["status"] == "done"
    assert done["transfer"]["status"] == "done" and done["transfer"]["poweroffice_id"] == "77"
    assert [a["step"] for a in done["history"]] == ["lookups", "customer_saved"]


# --- transfers ----------------------------------------------------------------------------


def test_transfers_filter_by_status_and_kind_and_refuse_what_is_not_one(door):
    add_state("acme", "invoice", "10234", "failed", last_error="line 2: no VAT code")
    add_state("acme", "invoice", "10235", "done")
    add_state("acme", "customer", "10001", "failed")
    failed = door.get("/v1/tenants/acme/transfers?status=failed&kind=invoice").json["transfers"]
    assert [(t["number"], t["last_error"]) for t in failed] == [("10234", "line 2: no VAT code")]
    assert len(door.get("/v1/tenants/acme/transfers?limit=2").json["transfers"]) == 2
    for query in ("status=broken", "kind=voucher", "limit=0", "limit=1001", "limit=x"):
        answer = door.get(f"/v1/tenants/acme/transfers?{query}")
        assert answer.status_code == 400, query
        assert query.split("=")[0] in answer.json["error"]


# --- expenses -----------------------------------------------------------------------------


def test_expenses_are_claimed_downloaded_and_acknowledged(door):
    expense_id = add_expense("acme")
    claimed = door.post("/v1/tenants/acme/expenses/claim", json={"limit": 10}).json
    [expense] = claimed["expenses"]
    assert expense["id"] == expense_id and expense["amount_incl_vat"] == "1250.00"
    [attachment] = expense["attachments"]
    assert attachment["url"] == f"/v1/tenants/acme/expenses/{expense_id}/attachments/1"
    assert attachment["sha256"] == hashlib.sha256(PDF).hexdigest()

    download = door.get(attachment["url"])
    assert download.status_code == 200
    assert download.content_type == "application/pdf"
    assert download.get_data() == PDF
    assert "kvittering%20%C3%A6%C3%B8%C3%A5.pdf" in download.headers["Content-Disposition"]
    assert door.get(attachment["url"], "other").status_code == 404
    assert door.get(attachment["url"].replace("/1", "/2")).status_code == 404

    # Claimed: not offered again while its lease runs.
    assert door.post("/v1/tenants/acme/expenses/claim").json["expenses"] == []
    acknowledged = door.post(
        "/v1/tenants/acme/expenses/acknowledge", json={"token": claimed["token"]}
    )
    assert acknowledged.json == {"acknowledged": 1}


def test_acknowledging_by_ids_counts_only_the_tenants_own(door):
    mine, theirs = add_expense("acme"), add_expense("other", "voucher-9/line-1")
    answer = door.post("/v1/tenants/acme/expenses/acknowledge", json={"ids": [mine, theirs]})
    assert answer.json == {"acknowledged": 1}


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"token": "x", "ids": [1]},
        {"token": "not-a-uuid"},
        {"ids": [0]},
        {"ids": [2**40]},
        {"ids": "1"},
        [1],
    ],
)
def test_an_acknowledgement_that_is_neither_a_token_nor_ids_is_400(door, body):
    answer = door.post("/v1/tenants/acme/expenses/acknowledge", json=body)
    assert answer.status_code == 400


@pytest.mark.parametrize("body", [{"limit": 0}, {"limit": 501}, {"limit": True}, [10]])
def test_a_claim_limit_out_of_range_is_400(door, body):
    assert door.post("/v1/tenants/acme/expenses/claim", json=body).status_code == 400


# --- failures of the door itself ------------------------------------------------------------


def test_a_database_that_is_down_is_503_without_its_address(door, monkeypatch):
    from config.settings import reset_settings_cache
    from sync_worker.db.session import dispose_engines

    token = door.tokens["acme"]
    monkeypatch.setenv("SYNC_DATABASE_URL", "postgresql://sync:hunter2@127.0.0.1:1/sync")
    reset_settings_cache()
    dispose_engines()
    answer = door.client.get(
        "/v1/tenants/acme/transfers", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 503
    assert answer.headers["Retry-After"]
    assert "hunter2" not in answer.get_data(as_text=True)
    assert "127.0.0.1" not in answer.get_data(as_text=True)


def test_an_unknown_path_and_a_wrong_method_answer_json(door):
    unknown = door.get("/v1/nothing")
    assert (unknown.status_code, unknown.json) == (404, {"error": "not found"})
    too_big = door.get("/v1/tenants/acme/expenses/99999999999/attachments/1")
    assert (too_big.status_code, too_big.json) == (404, {"error": "not found"})
    wrong = door.client.delete("/v1/messages")
    assert wrong.status_code == 405
    assert "POST" in wrong.headers["Allow"]
    assert wrong.json["error"]
