"""The worst day, at a size that fits CI: `benchmarks/fault_suite.py` in its own process
(its own database, Redis databases, simulator, workers and beat), with the simulator
injecting 5xx, bursts of 429, early token expiry and lost responses, the worker SIGKILLed
mid-batch three times and Redis emptied once. Nobody publishes again or runs a command.

The big run (300 invoices, 5 kills) is `python -m benchmarks.fault_suite`; its figures are
in docs/reliability.md."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.support.worker import ROOT

pytestmark = pytest.mark.fault_suite


@pytest.fixture(scope="module")
def worst_day(tmp_path_factory) -> dict[str, dict]:
    out = tmp_path_factory.mktemp("fault-suite")
    finished = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.fault_suite",
            *("--tenants", "2", "--invoices", "40", "--kills", "3", "--timeout", "300"),
            *("--out", str(out)),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    result = json.loads((out / "fault_suite.json").read_text())
    figures = {figure["name"]: figure for figure in result["figures"]}
    assert finished.returncode == 0, finished.stdout[-4000:] + finished.stderr[-4000:]
    return figures


def test_the_faults_were_there(worst_day):
    assert worst_day["worker kills (SIGKILL, main process and pool)"]["value"] == 3
    assert worst_day["Redis flushes (every database of the system)"]["value"] == 1
    assert worst_day["injected 5xx answers"]["value"] > 0
    assert worst_day["injected 429 answers"]["value"] > 0
    assert worst_day["injected lost responses after a write"]["value"] > 0


def test_every_invoice_is_in_poweroffice_go_exactly_once_with_its_pdf(worst_day):
    assert worst_day["invoices posted twice (duplicates)"]["value"] == 0
    assert worst_day["invoices not in PowerOffice Go (lost)"]["value"] == 0
    assert worst_day["vouchers without their PDF"]["value"] == 0


def test_every_customer_ends_at_the_newest_version(worst_day):
    assert worst_day["customers not at Moment's newest version"]["value"] == 0


def test_every_message_is_done_or_failed_with_its_e_mail(worst_day):
    assert worst_day["failed messages without an error e-mail"]["value"] == 0


def test_in_flight_work_completes_within_3_minutes_of_the_last_kill(worst_day):
    assert worst_day["drained after the last kill"]["value"] <= 180


def test_after_the_redis_flush_everything_completes_within_5_minutes(worst_day):
    assert worst_day["drained after the Redis flush"]["value"] <= 300
