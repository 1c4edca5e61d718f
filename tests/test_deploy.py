"""The examples in deploy/ held to the code: the alert rules parse as a Prometheus rule
file, and every metric the rules and the Grafana dashboard query is one the code defines
(the counters of `sync_worker.counters`, the stored-state gauges of `sync_worker.metrics`),
spelt as Prometheus exposes it (a counter with `_total`, a histogram's `_bucket`)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from sync_worker import counters, metrics

ROOT = Path(__file__).resolve().parents[1]
ALERTS = ROOT / "deploy" / "prometheus" / "alerts.yml"
DASHBOARD = ROOT / "deploy" / "grafana" / "sync-worker.json"
OUR_METRIC = re.compile(r"\bsync_worker_[a-z0-9_]+")
# What a query may name that the code does not define: Prometheus' own series.
PROMETHEUS_OWN = re.compile(r"\bup\{")
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}


@pytest.fixture
def defined(clean_db) -> set[str]:
    """Every series name the code exposes, as a query names it."""
    families = [*counters.REGISTRY.collect(), *metrics.StoredStateCollector().collect()]
    return {family.name + suffix for family in families for suffix in SUFFIXES[family.type]}


def rules() -> list[dict]:
    document = yaml.safe_load(ALERTS.read_text(encoding="utf-8"))
    return [rule for group in document["groups"] for rule in group["rules"]]


def dashboard_queries() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


def test_the_alert_rules_are_a_rule_file_each_rule_named_timed_and_explained():
    document = yaml.safe_load(ALERTS.read_text(encoding="utf-8"))
    assert set(document) == {"groups"}
    names = [rule["alert"] for rule in rules()]
    assert len(names) == len(set(names)) >= 7
    for rule in rules():
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}, rule["alert"]
        assert rule["expr"].strip() and rule["labels"]["severity"], rule["alert"]
        assert rule["annotations"]["summary"] and rule["annotations"]["description"]
        assert re.fullmatch(r"\d+[smhd]", rule.get("for", "0s")), rule["alert"]


def test_the_alerts_cover_what_an_operator_acts_on():
    watched = " ".join(rule["expr"] for rule in rules())
    for needed in (
        'sync_worker_transfer_outcomes_total{outcome="failed"}',
        "sync_worker_oldest_pending_transfer_age_seconds",
        "sync_worker_outbox_backlog",
        "sync_worker_poweroffice_rate_limited_total",
        "sync_worker_emails_failed_total",
        "sync_worker_reconciliation_needs_person",
        'absent(up{job="sync-worker"} == 1)',
    ):
        assert needed in watched, needed


def test_every_metric_the_alerts_query_is_defined_by_the_code(defined):
    for rule in rules():
        named = set(OUR_METRIC.findall(rule["expr"]))
        assert named or PROMETHEUS_OWN.search(rule["expr"]), rule["alert"]
        assert named <= defined, (rule["alert"], sorted(named - defined))


def test_every_metric_the_dashboard_queries_is_defined_by_the_code(defined):
    queries = dashboard_queries()
    assert queries
    for query in queries:
        named = set(OUR_METRIC.findall(query))
        assert named or PROMETHEUS_OWN.search(query), query
        assert named <= defined, (query, sorted(named - defined))


def test_the_dashboard_shows_every_metric_the_code_defines(defined):
    shown = {name for query in dashboard_queries() for name in OUR_METRIC.findall(query)}
    bases = {re.sub(r"_(total|bucket|count|sum)$", "", name) for name in shown}
    assert {re.sub(r"_(total|bucket|count|sum)$", "", name) for name in defined} <= bases


def test_a_misspelt_metric_would_be_caught(defined):
    assert "sync_worker_transfer_outcomes" not in defined  # a counter is queried as _total
    assert "sync_worker_rate_limiter_wait_seconds_bucket" in defined
