"""What the demo prints: plain text for a person at a terminal."""

from __future__ import annotations

import sys
from collections import Counter, defaultdict

from sqlalchemy import select

from config.settings import get_settings
from sandbox.demo.scenario import DemoTenant
from sandbox.simulator import SimulatorServer
from sync_worker.db.models import EntityState, Tenant
from sync_worker.db.session import session_scope
from sync_worker.notifications.mailbox import Mailbox
from sync_worker.producer import PublishResult

KIND_ORDER = ["customer", "project", "invoice", "credit_note"]


def header(tenants: list[DemoTenant], simulator: SimulatorServer) -> None:
    print("sync-worker demo: Moment → PowerOffice Go, on embedded defaults")
    print("  database SQLite · broker in memory · worker: 4 threads · Redis: in process")
    print(f"  PowerOffice Go simulator {simulator.api_base_url} · SMTP server in process")
    for t in tenants:
        print(
            f"  tenant {t.code} ({t.name}): {t.customers} customers, {t.projects} projects, "
            f"{t.invoices} invoices with PDF, {t.credit_notes} credit notes, "
            f"{len(t.bad)} deliberate mistakes"
        )
    print()


def published(results: list[PublishResult], tenants: list[DemoTenant]) -> None:
    counts = Counter(r.status for r in results)
    print(
        f"Published {len(results)} messages: {counts['accepted']} accepted, "
        f"{counts['refused']} refused at the door:"
    )
    for result in results:
        if not result.ok:
            print(f"  ✗ {_first_line(result.error)}")
    print("The deliberate mistakes:")
    for tenant in tenants:
        for mistake in tenant.bad:
            print(f"  · {tenant.code}: {mistake}")
    print()


def progress(handled: int, expected: int) -> None:
    sys.stdout.write(f"\rTransferring… {handled}/{expected} messages handled")
    sys.stdout.flush()


def progress_done() -> None:
    print()


def outcome(
    tenants: list[DemoTenant], simulator: SimulatorServer, mailbox: Mailbox, elapsed: float
) -> None:
    states = _states()
    print(f"\nWhat landed in PowerOffice Go ({elapsed:.1f} s):")
    for tenant in tenants:
        _tenant_outcome(tenant, simulator, states.get(tenant.code, []))
    _calls(simulator, states)
    _failures(states)
    _emails(mailbox)


def _tenant_outcome(tenant: DemoTenant, simulator: SimulatorServer, states: list) -> None:
    admin = simulator.admin
    vouchers = admin.vouchers(tenant.client_key)
    outgoing = [v for v in vouchers if v.get("InvoiceNo") is not None]
    with_pdf = sum(1 for v in outgoing if v.get("HasPdf"))
    by_kind: dict[str, Counter] = defaultdict(Counter)
    for state in states:
        by_kind[state.kind][state.status] += 1
    summary = ", ".join(
        f"{kind.replace('_', ' ')}s {dict(by_kind[kind])}" for kind in KIND_ORDER if by_kind[kind]
    )
    print(f"  {tenant.code}: {summary}")
    print(
        f"    in PowerOffice Go: {len(admin.customers(tenant.client_key))} customers, "
        f"{len(admin.projects(tenant.client_key))} projects, {len(outgoing)} vouchers "
        f"posted, {with_pdf} with their PDF"
    )


def _calls(simulator: SimulatorServer, states: dict) -> None:
    stats = simulator.admin.stats()
    vouchers = sum(
        1
        for rows in states.values()
        for s in rows
        if s.kind in ("invoice", "credit_note") and s.status == "done"
    )
    print(
        f"\nPowerOffice Go calls: {stats['total_requests']} in all "
        f"({stats['total_requests'] / max(vouchers, 1):.2f} per posted voucher, customer and "
        "project transfers and look-ups included); busiest second: "
        f"{max(stats['max_requests_per_window'].values(), default=0)} requests "
        f"(limit {demo_limit()}/s); {stats['by_status'].get('429', 0)} answered 429 and were "
        "waited out"
    )
    busiest = sorted(stats["by_endpoint"].items(), key=lambda kv: -sum(kv[1].values()))[:6]
    for endpoint, statuses in busiest:
        print(f"  {endpoint:<48} {statuses}")


def demo_limit() -> int:
    return get_settings().pogo_rate_limit_per_second


def _failures(states: dict) -> None:
    failed = [s for rows in states.values() for s in rows if s.status == "failed"]
    print(f"\nFailed transfers ({len(failed)}), each with an e-mail to the tenant:")
    for state in failed:
        reason = [line.strip("- ") for line in (state.last_error or "").splitlines()[1:2]]
        print(
            f"  ✗ #{state.id} {state.kind} {state.number}: "
            f"{reason[0] if reason else _first_line(state.last_error)}"
        )


def _emails(mailbox: Mailbox) -> None:
    emails = mailbox.emails
    print(f"\nE-mails sent ({len(emails)}):")
    for email in emails:
        print(f"  To: {', '.join(email.recipients)}")
        print(f"  Subject: {email.subject}")
        why = email.body.split("What to do:")[0].split("Why:")[-1].strip().splitlines()
        for line in why[:3]:
            print(f"    {line}")
        print()


def _states() -> dict[str, list[EntityState]]:
    with session_scope() as session:
        rows = session.execute(
            select(Tenant.code, EntityState)
            .join(Tenant, Tenant.id == EntityState.tenant_id)
            .order_by(EntityState.kind, EntityState.number)
        ).all()
    grouped: dict[str, list[EntityState]] = defaultdict(list)
    for code, state in rows:
        grouped[code].append(state)
    return grouped


def _first_line(text: str | None) -> str:
    return (text or "").splitlines()[0] if text else ""
