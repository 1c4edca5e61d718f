"""The lock date (`/LockDateSettings`): nothing may be posted on or before it."""

from __future__ import annotations

import datetime as dt

from sync_worker.poweroffice.resources.base import Resource


class LockDate(Resource):
    path = "/LockDateSettings"

    def get(self, *, refresh: bool = False) -> dt.date | None:
        """The lock date, or None when no period is closed."""
        value = self._cached("lock_date", self._load, refresh)
        # Date fields sometimes carry a time part ("2023-01-01T00:00:00").
        return dt.date.fromisoformat(value[:10]) if value else None

    def _load(self) -> str | None:
        response = self._client.request("GET", self.path)
        if response.status == 204:
            return None
        # An object, its LockDate null when no period is closed: an empty 200 or a page is
        # not PowerOffice Go's answer, and must not pass for "nothing is closed".
        return response.record().get("LockDate")
