"""The door for a WSGI server: `gunicorn sync_worker.api.wsgi:application`.

Logging is set up from the settings (SYNC_LOG_LEVEL, SYNC_LOG_FORMAT) as the workers set
theirs, so the door's lines are JSON with the tenant on them, and never a token; a bad
setting stops gunicorn at start, in one line.
"""

from __future__ import annotations

from config.settings import settings_or_exit
from sync_worker import logging as sync_logging
from sync_worker.api.app import application

_settings = settings_or_exit("sync-worker api")
sync_logging.configure_logging(_settings.log_level, _settings.log_format)

__all__ = ["application"]
