"""Incoming expenses: pulled from PowerOffice Go on celery-beat, offered to Moment.

- `selection`: which account transactions become expenses (pure).
- `importer`: one import for one tenant, writing only expenses not yet stored.
- `runner`: an import as a scheduled job: lock, retry or fail with an error e-mail.
- `schedule`: which tenants are due, spread over their interval.
- `moment_api`: what Moment's backend calls to take the expenses (claim, acknowledge).

How it fits together: docs/expenses.md.
"""
