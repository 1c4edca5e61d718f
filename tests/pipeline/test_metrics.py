"""The worker's metrics endpoint, scraped over HTTP after a real batch with failures: the
transfers done and failed by kind and tenant, the calls to PowerOffice Go by endpoint and
status (a 429 among them), the e-mail sent; and the messages received, counted by the
process that published them, served the way `sync-worker metrics --serve` serves them."""

from __future__ import annotations

import time
from collections import Counter

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from sync_worker import metrics
from tests.support.worker import free_port, wait_until

pytestmark = pytest.mark.pipeline


def scrape(url: str) -> Counter:
    """Every sample of the page, by name and labels (sorted), for differences to be taken."""
    answer = requests.get(url, timeout=10)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/plain")
    return Counter(
        {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(answer.text)
            for sample in family.samples
        }
    )


def quiet_worker(url: str, quiet_for: float = 3.0, timeout: float = 60.0) -> Counter:
    """The worker's page once its calls to PowerOffice Go have stood still for `quiet_for`
    seconds: the calls counted from then on are this test's (the session's worker is
    shared, the calls carry no tenant label, and an earlier test's retry may still run)."""
    calls = "sync_worker_poweroffice_calls_total"
    deadline = time.monotonic() + timeout
    page = scrape(url)
    still_since = time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = scrape(url)
        if grown_all(page, now, calls):
            page, still_since = now, time.monotonic()
        elif time.monotonic() - still_since >= quiet_for:
            return now
    raise AssertionError(f"the worker kept calling PowerOffice Go for {timeout:.0f} s")


def grown(before: Counter, after: Counter, name: str, **labels: str) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after[key] - before[key]


def grown_all(before: Counter, after: Counter, name: str, **labels: str) -> float:
    """The growth of every sample of `name` whose labels include `labels`."""
    wanted = set(labels.items())
    return sum(
        after[key] - before[key]
        for key in set(after) | set(before)
        if key[0] == name and wanted <= set(key[1])
    )


def test_a_batch_with_failures_is_counted_with_its_labels(tenant, pipeline, mailbox):
    here = free_port()
    producer = metrics.serve("127.0.0.1", here)  # this process publishes: it counts messages
    producer_url = f"http://127.0.0.1:{here}/metrics"
    try:
        worker_before = quiet_worker(pipeline.metrics_url)
        producer_before = scrape(producer_url)
        first, second = tenant.sample.customer(), tenant.sample.customer()
        good = tenant.sample.invoice(first, None)
        refused = tenant.sample.invoice(second, None)
        refused["lines"][0]["vat_code"] = None  # refused by the export rules: failed, mailed
        tenant.admin.set_faults(rate_limit_burst=1)  # the next request answered 429, once
        try:
            tenant.publish(
                tenant.sample.message("customer.changed", first),
                tenant.sample.message("customer.changed", second),
                tenant.sample.message("invoice.finalized", good),
                tenant.sample.message("invoice.finalized", refused),
            )
            tenant.wait_for("invoice", good["number"], status="done")
            tenant.wait_for("invoice", refused["number"], status="failed")
            tenant.wait_for("customer", first["number"])
            tenant.wait_for("customer", second["number"])
            tenant.wait_for_email(mailbox)
        finally:
            tenant.admin.clear_faults()
        producer_after = scrape(producer_url)
    finally:
        producer.shutdown()

    received = "sync_worker_messages_received_total"
    assert (
        grown(producer_before, producer_after, received, type="customer.changed", status="accepted")
        == 2
    )
    assert (
        grown(
            producer_before, producer_after, received, type="invoice.finalized", status="accepted"
        )
        == 2
    )

    outcomes = "sync_worker_transfer_outcomes_total"
    mine = {"tenant": tenant.code}

    def transfers_counted() -> Counter | None:
        after = scrape(pipeline.metrics_url)
        done = grown(worker_before, after, outcomes, **mine, kind="customer", outcome="done")
        sent = grown(worker_before, after, "sync_worker_emails_sent_total")
        return after if done == 2 and sent >= 1 else None

    after = wait_until(transfers_counted, timeout=30, what="the worker's counts")
    before = worker_before
    assert grown(before, after, outcomes, **mine, kind="invoice", outcome="done") == 1
    assert grown(before, after, outcomes, **mine, kind="invoice", outcome="failed") == 1
    assert grown(before, after, outcomes, **mine, kind="customer", outcome="failed") == 0
    assert grown(before, after, "sync_worker_emails_sent_total") == 1

    calls = "sync_worker_poweroffice_calls_total"
    created = {"method": "POST", "status": "201"}
    assert grown(before, after, calls, endpoint="/Customers", **created) == 2
    assert grown(before, after, calls, endpoint="/Vouchers/OutgoingInvoiceJournals", **created) == 1
    assert grown_all(before, after, calls, method="PUT", endpoint="/VoucherDocumentation") == 1
    assert grown_all(before, after, calls, status="429") == 1
    assert grown_all(before, after, "sync_worker_poweroffice_rate_limited_total") == 1
    assert grown_all(before, after, calls, status="no_answer") == 0
    # No id in any endpoint: the series stay as few as the API's paths.
    assert not [
        key
        for key in after
        if key[0] == calls and any(c.isdigit() for c in dict(key[1])["endpoint"])
    ]
    assert (
        grown(before, after, "sync_worker_rate_limiter_wait_seconds_count", caller="transfer") >= 4
    )

    # The stored state is served beside the counters, by the same worker.
    assert (
        after[
            (
                "sync_worker_transfers",
                (("kind", "invoice"), ("status", "failed"), ("tenant", tenant.code)),
            )
        ]
        == 1
    )
