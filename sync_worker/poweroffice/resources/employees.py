"""Employees (`/Employees`), cached per tenant; project managers are found by e-mail."""

from __future__ import annotations

from sync_worker.poweroffice.resources.base import Resource


class Employees(Resource):
    path = "/Employees"

    def find_by_email(self, email: str, *, refresh: bool = False) -> dict | None:
        """The employee whose `EmailAddress` matches, ignoring case (the API cannot filter)."""
        wanted = email.strip().casefold()
        rows = self.list(refresh=refresh)
        return next((row for row in rows if _email(row) == wanted), None)

    def list(self, *, refresh: bool = False) -> list[dict]:
        return self._cached("employees", self._rows, refresh)


def _email(row: dict) -> str:
    return (row.get("EmailAddress") or "").strip().casefold()
