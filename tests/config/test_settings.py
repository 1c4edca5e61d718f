"""Settings: every variable parsed and validated, one line per mistake."""

from __future__ import annotations

import subprocess
import sys

import pytest
from cryptography.fernet import Fernet

from config.settings import DEMO_API_BASE_URL, SettingsError, load_settings

ALL_VARIABLES = [
    "SYNC_DATABASE_URL",
    "SYNC_BROKER_URL",
    "SYNC_RESULT_BACKEND",
    "SYNC_REDIS_URL",
    "SYNC_SECRET_KEY",
    "POGO_API_BASE_URL",
    "POGO_TOKEN_URL",
    "POGO_APPLICATION_KEY",
    "POGO_SUBSCRIPTION_KEY",
    "POGO_RATE_LIMIT_PER_SECOND",
    "POGO_TIMEOUT_SECONDS",
    "POGO_LOOKUP_CACHE_SECONDS",
    "SMTP_HOST",
    "SMTP_PORT",
    "SMTP_USER",
    "SMTP_PASSWORD",
    "SMTP_FROM",
    "SMTP_TLS",
    "SYNC_TRANSFER_MAX_RETRIES",
    "SYNC_RETRY_BACKOFF_BASE",
    "SYNC_RETRY_BACKOFF_MAX",
    "SYNC_TASK_SOFT_TIME_LIMIT",
    "SYNC_TASK_TIME_LIMIT",
    "SYNC_VISIBILITY_TIMEOUT",
    "SYNC_ERROR_EMAIL_INTERVAL",
    "SYNC_LOG_LEVEL",
]


@pytest.fixture(autouse=True)
def _clear_environment(monkeypatch):
    for name in ALL_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_defaults_are_documented_values():
    settings = load_settings()
    assert settings.pogo_api_base_url == DEMO_API_BASE_URL
    assert settings.pogo_rate_limit_per_second == 10
    assert settings.smtp_tls == "off"
    assert settings.database_url.startswith("sqlite")


def test_valid_values_are_parsed(monkeypatch):
    key = Fernet.generate_key().decode()
    monkeypatch.setenv("SYNC_DATABASE_URL", "postgresql://u@db:5432/sync")
    monkeypatch.setenv("SYNC_SECRET_KEY", key)
    monkeypatch.setenv("POGO_API_BASE_URL", "https://goapi.poweroffice.net/v2/")
    monkeypatch.setenv("POGO_RATE_LIMIT_PER_SECOND", "5")
    monkeypatch.setenv("SMTP_PORT", "587")
    monkeypatch.setenv("SMTP_TLS", "starttls")
    settings = load_settings()
    assert settings.database_url == "postgresql://u@db:5432/sync"
    assert settings.secret_key == key
    assert settings.pogo_api_base_url == "https://goapi.poweroffice.net/v2"
    assert settings.pogo_rate_limit_per_second == 5
    assert (settings.smtp_port, settings.smtp_tls) == (587, "starttls")


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("POGO_RATE_LIMIT_PER_SECOND", "ten", "Not a valid integer"),
        ("POGO_RATE_LIMIT_PER_SECOND", "0", "greater than or equal to 1"),
        ("SMTP_PORT", "70000", "less than or equal to 65535"),
        ("SMTP_TLS", "maybe", "Must be one of: off, starttls, ssl"),
        ("SYNC_DATABASE_URL", "mysql://x/y", "must start with one of postgresql, sqlite"),
        ("SYNC_BROKER_URL", "amqp://guest@x//", "must start with one of redis, memory"),
        ("POGO_API_BASE_URL", "goapi.poweroffice.net/v2", "must start with one of http"),
        ("POGO_TIMEOUT_SECONDS", "-1", "greater than or equal to 1"),
        ("SYNC_LOG_LEVEL", "LOUD", "Must be one of"),
    ],
)
def test_each_kind_of_bad_value_names_the_variable(monkeypatch, variable, value, says):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert variable in message
    assert says in message
    assert "\n" not in message


def test_a_secret_key_that_is_not_a_fernet_key_is_refused(monkeypatch):
    monkeypatch.setenv("SYNC_SECRET_KEY", "not-a-key")
    with pytest.raises(SettingsError, match="SYNC_SECRET_KEY must be a Fernet key"):
        load_settings()


def test_the_bad_secret_key_is_not_repeated_in_the_error(monkeypatch):
    monkeypatch.setenv("SYNC_SECRET_KEY", "hunter2-hunter2")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert "hunter2" not in str(caught.value)


def test_visibility_timeout_must_outlast_the_longest_countdown(monkeypatch):
    monkeypatch.setenv("SYNC_RETRY_BACKOFF_MAX", "3600")
    monkeypatch.setenv("SYNC_VISIBILITY_TIMEOUT", "3600")
    with pytest.raises(SettingsError, match="SYNC_VISIBILITY_TIMEOUT must exceed"):
        load_settings()


def test_soft_time_limit_must_be_below_hard_limit(monkeypatch):
    monkeypatch.setenv("SYNC_TASK_SOFT_TIME_LIMIT", "200")
    with pytest.raises(SettingsError, match="SYNC_TASK_SOFT_TIME_LIMIT"):
        load_settings()


def test_backoff_base_above_max_is_refused(monkeypatch):
    monkeypatch.setenv("SYNC_RETRY_BACKOFF_BASE", "1000")
    with pytest.raises(SettingsError, match="SYNC_RETRY_BACKOFF_BASE"):
        load_settings()


@pytest.mark.parametrize(
    "argv", [["tenant", "list"], ["db", "upgrade"]], ids=["tenant-list", "db-upgrade"]
)
def test_cli_reports_a_bad_setting_in_one_line_without_traceback(tmp_path, argv):
    env = {"PATH": "/usr/bin:/bin", "SMTP_PORT": "smtp", "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "sync_worker.cli", *argv],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines == [
        'sync-worker: configuration error: Environment variable "SMTP_PORT" invalid: '
        "Not a valid integer."
    ]
    assert "Traceback" not in result.stderr


def test_celery_app_import_reports_a_bad_setting_in_one_line(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "SYNC_BROKER_URL": "amqp://x", "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", "import sync_worker.app"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        'sync-worker: configuration error: Environment variable "SYNC_BROKER_URL" invalid: '
        "must start with one of redis, memory"
    ]
