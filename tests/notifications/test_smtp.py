"""Sending the error e-mail: no name or number from Moment can add a header or lose it."""

from __future__ import annotations

import pytest

from config.settings import get_settings, reset_settings_cache
from sync_worker.db.models import Attempt, EntityState
from sync_worker.db.session import session_scope
from sync_worker.errors import PermanentError
from sync_worker.notifications import smtp
from sync_worker.notifications.compose import Email
from sync_worker.notifications.error_emails import send_for_attempt
from sync_worker.notifications.mailbox import Mailbox
from sync_worker.tenants import add_tenant

INJECTED = "2026-017\r\nBcc: intruder@example.com\r\n\r\nforged body"


@pytest.fixture
def mailbox(env):
    with Mailbox() as box:
        env.setenv("SMTP_HOST", box.host)
        env.setenv("SMTP_PORT", str(box.port))
        env.setenv("SMTP_FROM", "Sync Worker <sync-worker@moment.example>")
        reset_settings_cache()
        yield box


def failed_attempt(number: str, error_emails: str = "accountant@acme.example") -> int:
    with session_scope() as session:
        tenant = add_tenant(session, "acme", "client-key")
        tenant.error_emails = error_emails
        state = EntityState(tenant_id=tenant.id, kind="project", number=number, status="failed")
        session.add(state)
        session.flush()
        attempt = Attempt(
            tenant_id=tenant.id,
            entity_state_id=state.id,
            step="project",
            outcome="failed",
            error_type="ApiRejected",
            detail=f"POST /Projects: 400 for {number}",
            pogo_detail="Code\r\nX-Injected: yes",
        )
        session.add(attempt)
        session.flush()
        return attempt.id


def test_a_cr_lf_in_an_entity_number_is_mailed_with_a_one_line_subject(clean_db, mailbox):
    assert send_for_attempt(failed_attempt(INJECTED)) == "mailed accountant@acme.example"
    [email] = mailbox.emails
    assert email.recipients == ("accountant@acme.example",)
    assert email.message["Subject"] == (
        "[sync-worker] acme: prosjekt 2026-017\\r\\nBcc: intruder@example.com\\r\\n\\r\\nforged "
        "body ble ikke overført til PowerOffice Go"
    )
    assert email.message["Bcc"] is None and email.message["X-Injected"] is None
    assert email.message["From"] == "Sync Worker <sync-worker@moment.example>"
    assert "Prosjekt: 2026-017\\r\\nBcc: intruder@example.com" in email.body
    assert "\r" not in email.body.replace("\r\n", "\n")


def test_an_address_that_would_add_a_header_is_not_used(clean_db, mailbox):
    error_emails = "accountant@acme.example\r\nBcc: intruder@example.com, kari@acme.example"
    send_for_attempt(failed_attempt("2026-017", error_emails))
    [email] = mailbox.emails
    assert email.recipients == ("kari@acme.example",)
    assert email.message["To"] == "kari@acme.example"


def test_no_usable_address_is_a_permanent_error(env):
    with pytest.raises(PermanentError, match="none of the error e-mail addresses is valid"):
        smtp.send(
            Email("subject", "body"), ["not an address", "a@b.example, c@d.example"], get_settings()
        )
