"""Every setting, read from the environment once, validated at start.

Each setting has a documented default (README, `.env.example`). A bad value raises
`SettingsError` whose message is one line naming the variable and what is wrong;
the CLI prints that line and exits, so a misconfigured process never starts.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from environs import Env, EnvError
from marshmallow import ValidationError
from marshmallow.validate import Range

DEMO_API_BASE_URL = "https://goapi.poweroffice.net/Demo/v2"
DEMO_TOKEN_URL = "https://goapi.poweroffice.net/Demo/OAuth/Token"  # noqa: S105 (a URL)
SMTP_TLS_MODES = ("off", "starttls", "ssl")
LOG_FORMATS = ("auto", "json", "text")  # auto: text on a terminal, JSON otherwise


class SettingsError(Exception):
    """A setting is missing or malformed. The message is one line for a person."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    broker_url: str
    broker_key_prefix: str
    result_backend: str
    redis_url: str
    secret_key: str = field(repr=False)
    pogo_api_base_url: str
    pogo_token_url: str
    pogo_application_key: str = field(repr=False)
    pogo_subscription_key: str = field(repr=False)
    pogo_rate_limit_per_second: int
    pogo_timeout_seconds: float
    pogo_lookup_cache_seconds: int
    smtp_host: str
    smtp_port: int
    smtp_user: str
    smtp_password: str = field(repr=False)
    smtp_from: str
    smtp_tls: str
    transfer_max_retries: int
    import_max_retries: int
    retry_backoff_base_seconds: int
    retry_backoff_max_seconds: int
    task_soft_time_limit_seconds: int
    task_time_limit_seconds: int
    visibility_timeout_seconds: int
    dispatch_window: int  # transfer tasks handed to the broker at most (sync_worker.dispatch)
    error_email_interval_seconds: int
    recheck_interval_seconds: int  # how often failures fixed in PowerOffice Go are re-checked
    warmup_interval_seconds: int  # each active tenant's token and look-ups looked at this often
    warmup_active_days: int  # a tenant with a message in as many days is kept warm; 0: none
    credit_note_wait_seconds: int
    wait_first_seconds: int
    wait_max_seconds: int
    reconcile_at: dt.time  # Oslo time: the daily reconciliations start then, and spread
    reconcile_window_minutes: int  # over this long
    log_level: str
    log_format: str  # one of LOG_FORMATS
    metrics_port: int  # a worker serves its metrics here; 0: it serves none
    metrics_host: str

    @property
    def lease_seconds(self) -> int:
        """How long a worker holds a message without a sign of life (a step done, a retry
        scheduled) before the sweep gives it to another: a third of the task time limit,
        which bounds a step too, so a crashed worker's work moves on within minutes."""
        return max(10, self.task_time_limit_seconds // 3)

    @property
    def warmup_tick_seconds(self) -> float:
        """How often beat runs the warm-up: each run takes the tenants whose turn falls in
        its tick, a tenth of the interval (sync_worker.poweroffice.warmup)."""
        return self.warmup_interval_seconds / 10

    @property
    def uses_embedded_redis(self) -> bool:
        """`memory://` keeps tokens, locks and the rate limit in this process only (demo)."""
        return self.redis_url.startswith("memory://")


def _fernet_key(value: str) -> str:
    if not value:
        return value
    try:
        raw = base64.urlsafe_b64decode(value.encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError) as exc:
        raise ValueError("must be a Fernet key (32 url-safe base64-encoded bytes)") from exc
    if len(raw) != 32:
        raise ValueError("must be a Fernet key (32 url-safe base64-encoded bytes)")
    return value


def _url(schemes: tuple[str, ...]):
    def check(value: str) -> str:
        if not value.startswith(schemes):
            raise ValidationError(f"must start with one of {', '.join(schemes)}")
        return value

    return check


def _one_of(choices: tuple[str, ...]):
    """Like marshmallow's OneOf, but "STARTTLS" and "info" are as good as their spellings."""

    def check(value: str) -> str:
        if value.lower() not in {c.lower() for c in choices}:
            raise ValidationError(f"Must be one of: {', '.join(choices)}.")
        return value

    return check


def _read(env: Env) -> dict[str, Any]:
    positive = Range(min=1)
    return {
        "database_url": env.str(
            "SYNC_DATABASE_URL",
            "sqlite:///sync-worker.db",
            validate=_url(("postgresql", "sqlite")),
        ),
        "broker_url": env.str(
            "SYNC_BROKER_URL", "redis://127.0.0.1:6379/0", validate=_url(("redis", "memory"))
        ),
        "broker_key_prefix": env.str("SYNC_BROKER_KEY_PREFIX", ""),
        "result_backend": env.str(
            "SYNC_RESULT_BACKEND",
            "redis://127.0.0.1:6379/1",
            validate=_url(("redis", "cache+memory", "db+")),
        ),
        "redis_url": env.str(
            "SYNC_REDIS_URL", "redis://127.0.0.1:6379/2", validate=_url(("redis", "memory"))
        ),
        "secret_key": env.str("SYNC_SECRET_KEY", ""),
        "pogo_api_base_url": env.str(
            "POGO_API_BASE_URL", DEMO_API_BASE_URL, validate=_url(("http://", "https://"))
        ).rstrip("/"),
        "pogo_token_url": env.str(
            "POGO_TOKEN_URL", DEMO_TOKEN_URL, validate=_url(("http://", "https://"))
        ),
        "pogo_application_key": env.str("POGO_APPLICATION_KEY", ""),
        "pogo_subscription_key": env.str("POGO_SUBSCRIPTION_KEY", ""),
        "pogo_rate_limit_per_second": env.int(
            "POGO_RATE_LIMIT_PER_SECOND", 10, validate=Range(min=1, max=1000)
        ),
        "pogo_timeout_seconds": env.float("POGO_TIMEOUT_SECONDS", 30.0, validate=Range(min=1)),
        # Hours: reference data changes seldom, the export rules look again when they refuse
        # on it, and the warm-up renews it ahead in the background lane.
        "pogo_lookup_cache_seconds": env.int(
            "POGO_LOOKUP_CACHE_SECONDS", 6 * 3600, validate=Range(min=0, max=86400)
        ),
        "smtp_host": env.str("SMTP_HOST", "localhost"),
        "smtp_port": env.int("SMTP_PORT", 25, validate=Range(min=1, max=65535)),
        "smtp_user": env.str("SMTP_USER", ""),
        "smtp_password": env.str("SMTP_PASSWORD", ""),
        "smtp_from": env.str("SMTP_FROM", "sync-worker@localhost"),
        "smtp_tls": env.str("SMTP_TLS", "off", validate=_one_of(SMTP_TLS_MODES)).lower(),
        "transfer_max_retries": env.int("SYNC_TRANSFER_MAX_RETRIES", 8, validate=Range(0, 50)),
        "import_max_retries": env.int("SYNC_IMPORT_MAX_RETRIES", 3, validate=Range(0, 50)),
        "retry_backoff_base_seconds": env.int("SYNC_RETRY_BACKOFF_BASE", 30, validate=positive),
        "retry_backoff_max_seconds": env.int("SYNC_RETRY_BACKOFF_MAX", 900, validate=positive),
        "task_soft_time_limit_seconds": env.int(
            "SYNC_TASK_SOFT_TIME_LIMIT", 120, validate=positive
        ),
        "task_time_limit_seconds": env.int("SYNC_TASK_TIME_LIMIT", 180, validate=positive),
        "visibility_timeout_seconds": env.int("SYNC_VISIBILITY_TIMEOUT", 3600, validate=positive),
        "dispatch_window": env.int("SYNC_DISPATCH_WINDOW", 16, validate=Range(min=1, max=1000)),
        "error_email_interval_seconds": env.int(
            "SYNC_ERROR_EMAIL_INTERVAL", 3600, validate=Range(0)
        ),
        "recheck_interval_seconds": env.int(
            "SYNC_RECHECK_INTERVAL_SECONDS", 3600, validate=Range(min=10, max=86400)
        ),
        "warmup_interval_seconds": env.int(
            "SYNC_WARMUP_INTERVAL_SECONDS", 300, validate=Range(min=60, max=3600)
        ),
        # Five weeks: a tenant that invoices only at month-end is warm for its next run.
        "warmup_active_days": env.int("SYNC_WARMUP_ACTIVE_DAYS", 35, validate=Range(0, 366)),
        "credit_note_wait_seconds": env.int(
            "SYNC_CREDIT_NOTE_WAIT_SECONDS", 600, validate=Range(0, 86400)
        ),
        "wait_first_seconds": env.int("SYNC_WAIT_FIRST_SECONDS", 5, validate=positive),
        "wait_max_seconds": env.int("SYNC_WAIT_MAX_SECONDS", 300, validate=positive),
        # Off-peak by default: nobody invoices at 01:00-05:00, so the budget is free.
        "reconcile_at": env.time("SYNC_RECONCILE_AT", dt.time(1, 0)),
        "reconcile_window_minutes": env.int(
            "SYNC_RECONCILE_WINDOW_MINUTES", 240, validate=Range(min=1, max=24 * 60)
        ),
        "log_level": env.str(
            "SYNC_LOG_LEVEL", "INFO", validate=_one_of(("DEBUG", "INFO", "WARNING", "ERROR"))
        ).upper(),
        "log_format": env.str("SYNC_LOG_FORMAT", "auto", validate=_one_of(LOG_FORMATS)).lower(),
        "metrics_port": env.int("SYNC_METRICS_PORT", 0, validate=Range(min=0, max=65535)),
        "metrics_host": env.str("SYNC_METRICS_HOST", "127.0.0.1"),
    }


def _check_relations(values: dict[str, Any]) -> None:
    """Rules that tie settings together; the Celery ones guard against duplicate tasks."""
    try:
        _fernet_key(values["secret_key"])
    except ValueError as exc:
        raise SettingsError(f"SYNC_SECRET_KEY {exc}") from None
    if values["retry_backoff_base_seconds"] > values["retry_backoff_max_seconds"]:
        raise SettingsError("SYNC_RETRY_BACKOFF_BASE must not exceed SYNC_RETRY_BACKOFF_MAX")
    if values["wait_first_seconds"] > values["wait_max_seconds"]:
        raise SettingsError("SYNC_WAIT_FIRST_SECONDS must not exceed SYNC_WAIT_MAX_SECONDS")
    if values["task_soft_time_limit_seconds"] >= values["task_time_limit_seconds"]:
        raise SettingsError("SYNC_TASK_SOFT_TIME_LIMIT must be below SYNC_TASK_TIME_LIMIT")
    # A countdown longer than the visibility timeout makes Redis hand the same task to a
    # second worker (see docs/celery.md): the timeout must cover the longest wait plus a run.
    longest = values["retry_backoff_max_seconds"] + values["task_time_limit_seconds"]
    if values["visibility_timeout_seconds"] <= longest:
        raise SettingsError(
            f"SYNC_VISIBILITY_TIMEOUT must exceed SYNC_RETRY_BACKOFF_MAX + SYNC_TASK_TIME_LIMIT "
            f"({longest} s), got {values['visibility_timeout_seconds']} s"
        )


def load_settings() -> Settings:
    """Read and validate every setting from the process environment."""
    env = Env(eager=True, expand_vars=False)
    try:
        values = _read(env)
    except EnvError as exc:
        raise SettingsError(_one_line(exc)) from None
    _check_relations(values)
    return Settings(**values)


def _one_line(exc: EnvError) -> str:
    # environs says 'Environment variable "X" invalid: ['...']'; keep it on one line.
    text = " ".join(str(exc).split())
    return text.replace("['", "").replace("']", "")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read on first use."""
    return load_settings()


def settings_or_exit(program: str) -> Settings:
    """The settings of a process that cannot start without them: a bad one ends it with
    one line naming the variable (exit status 2), never a traceback."""
    try:
        return get_settings()
    except SettingsError as exc:
        sys.stderr.write(f"{program}: configuration error: {exc}\n")
        raise SystemExit(2) from None


def reset_settings_cache() -> None:
    """Forget the cached settings (tests and the demo change the environment)."""
    get_settings.cache_clear()
