"""List endpoints: page through until PowerOffice Go signals the end.

Pages are numbered from 1. The end is a 204 (nothing, or nothing more), a page shorter
than asked for, or an `X-Pagination` header (JSON) without `nextPageLink`. Without that
header only the first two signals count, so a missing header costs at most one extra call.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from sync_worker.poweroffice.transport import ApiResponse

# PowerOffice Go's own default; its maximum is 20 000. Big pages save rate-limit budget.
PAGE_SIZE = 5000

Request = Callable[..., ApiResponse]


def collect(
    request: Request, path: str, params: Mapping[str, Any] | None = None, *, page_size: int
) -> list[dict]:
    """Every row of a list endpoint, all pages joined."""
    rows: list[dict] = []
    page = 1
    while True:
        query = {**(params or {}), "PageNumber": page, "PageSize": page_size}
        response = request("GET", path, params=query)
        batch = response.items
        rows.extend(batch)
        if response.status == 204 or len(batch) < page_size or not _has_next(response):
            return rows
        page += 1


def _has_next(response: ApiResponse) -> bool:
    header = response.headers.get("X-Pagination")
    if header is None:
        return True
    try:
        pagination = {str(key).lower(): value for key, value in json.loads(header).items()}
    except (ValueError, AttributeError):
        return True  # unreadable: fall back to the short-page rule
    return bool(pagination.get("nextpagelink"))
