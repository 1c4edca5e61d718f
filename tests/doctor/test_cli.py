"""`sync-worker doctor`: the report as text or JSON, and its exit code."""

from __future__ import annotations

import json

from click.testing import CliRunner

from sync_worker.cli import cli


def test_a_correct_setup_exits_0_with_a_json_report(setup):
    setup.the_usual()

    result = CliRunner().invoke(cli, ["doctor", "--tenant", "acme", "--json"])

    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["ok"] and report["counts"]["failed"] == 0
    assert report["poweroffice_calls"] <= 10


def test_a_failure_exits_1_and_the_text_says_what_to_do(setup):
    setup.the_usual()
    setup.admin.set_invalid_privileges(setup.client_key, ["Project_Full"])

    result = CliRunner().invoke(cli, ["doctor", "--tenant", "acme"])

    assert result.exit_code == 1
    assert "✗ privileges" in result.output and "→ Ask PowerOffice Go support" in result.output
