"""Query parameters as PowerOffice Go reads them, and paging.

Names are case-insensitive (ASP.NET binding). Number lists take ranges
("10000-11000, 12000, 13000-"); code lists are comma-separated and `-1` stands for
"no value"; `fromDate`/`toDate` are inclusive. Values compare case-insensitively, as
PowerOffice Go's database does.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Request, Response

from sandbox.simulator.responses import bad_parameter, json_response, no_content

DEFAULT_PAGE_SIZE = 5000
MAX_PAGE_SIZE = 20000
NO_VALUE = "-1"


class NumberRanges:
    """A parsed number list: single numbers and ranges, either end of a range open."""

    def __init__(self, ranges: Iterable[tuple[int | None, int | None]]) -> None:
        self.ranges = tuple(ranges)

    @classmethod
    def parse(cls, text: str, name: str = "numbers") -> NumberRanges:
        ranges = [_range(part.strip(), text, name) for part in text.split(",") if part.strip()]
        if not ranges:
            raise bad_parameter(f"'{text}' is not a valid value for {name}.")
        return cls(ranges)

    def __contains__(self, number: object) -> bool:
        if not isinstance(number, int):
            return False
        return any(
            (low is None or number >= low) and (high is None or number <= high)
            for low, high in self.ranges
        )


def _range(part: str, text: str, name: str) -> tuple[int | None, int | None]:
    low, dash, high = part.partition("-")
    try:
        if not dash:
            return int(low), int(low)
        if not low.strip() and not high.strip():
            raise ValueError(part)
        return _bound(low), _bound(high)
    except ValueError:
        raise bad_parameter(f"'{text}' is not a valid value for {name}.") from None


def _bound(text: str) -> int | None:
    return int(text) if text.strip() else None


class Query:
    """The query string, read case-insensitively. A repeated name is refused."""

    def __init__(self, args: MultiDict[str, str]) -> None:
        self._values: dict[str, str] = {}
        for name, values in args.lists():
            # PowerOffice Go's filters are single comma-separated strings; what it makes of
            # `supplierNos=1&supplierNos=2` is unknown, so the simulator refuses it loudly.
            if len(values) > 1 or name.lower() in self._values:
                raise bad_parameter(f"{name} is given more than once; send one comma list.")
            self._values[name.lower()] = values[0]

    def text(self, name: str) -> str | None:
        value = self._values.get(name.lower(), "").strip()
        return value or None

    def numbers(self, name: str) -> NumberRanges | None:
        text = self.text(name)
        return None if text is None else NumberRanges.parse(text, name)

    def codes(self, name: str) -> set[str] | None:
        text = self.text(name)
        if text is None:
            return None
        return {code.strip().casefold() for code in text.split(",") if code.strip()}

    def date(self, name: str, *, required: bool = False) -> dt.date | None:
        text = self.text(name)
        if text is None:
            if required:
                raise bad_parameter(f"{name} is required.")
            return None
        try:
            return parse_date(text)
        except ValueError:
            raise bad_parameter(f"'{text}' is not a valid date for {name}.") from None

    def integer(self, name: str, default: int, minimum: int) -> int:
        text = self.text(name)
        if text is None:
            return default
        try:
            value = int(text)
        except ValueError:
            raise bad_parameter(f"'{text}' is not a valid integer for {name}.") from None
        if value < minimum:
            raise bad_parameter(f"{name} must be at least {minimum}.")
        return value


def parse_date(text: str) -> dt.date:
    """A date, tolerating a time part ("2025-01-15T00:00:00") as PowerOffice Go does."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return dt.datetime.fromisoformat(text).date()


@dataclass(frozen=True)
class Filter:
    """One list filter: query parameter → row field, read as numbers, codes or text."""

    parameter: str
    field: str
    kind: Literal["numbers", "codes", "text"]

    def wanted(self, query: Query) -> Any:
        if self.kind == "numbers":
            return query.numbers(self.parameter)
        if self.kind == "codes":
            return query.codes(self.parameter)
        text = query.text(self.parameter)
        return None if text is None else text.casefold()

    def matches(self, row: dict, wanted: Any) -> bool:
        value = row.get(self.field)
        if self.kind == "numbers":
            return value in wanted
        if self.kind == "codes":
            return (NO_VALUE if value is None else str(value).casefold()) in wanted
        return value is not None and str(value).casefold() == wanted


def filtered(rows: Iterable[dict], query: Query, filters: Iterable[Filter]) -> list[dict]:
    """The rows every given filter accepts; a filter absent from the query accepts all."""
    selected = list(rows)
    for each in filters:
        wanted = each.wanted(query)
        if wanted is not None:
            selected = [row for row in selected if each.matches(row, wanted)]
    return selected


def in_dates(
    rows: Iterable[dict], query: Query, field: str, *, required: bool = False
) -> list[dict]:
    """The rows whose `field` (a date) lies within `fromDate`..`toDate`, both inclusive."""
    start = query.date("fromDate", required=required)
    end = query.date("toDate", required=required)
    if start and end and end < start:
        raise bad_parameter("toDate must not be before fromDate.")
    return [
        row
        for row in rows
        if (start is None or parse_date(row[field]) >= start)
        and (end is None or parse_date(row[field]) <= end)
    ]


def paged(request: Request, query: Query, rows: list[dict]) -> Response:
    """One page of `rows`: a bare JSON array, or 204 when the page is empty.

    `X-Pagination` carries `nextPageLink` only when another page exists. A PageSize above
    the maximum is cut to it (assumption: the documents give the maximum, not the error).
    """
    number = query.integer("PageNumber", 1, minimum=1)
    size = min(query.integer("PageSize", DEFAULT_PAGE_SIZE, minimum=1), MAX_PAGE_SIZE)
    start = (number - 1) * size
    page = rows[start : start + size]
    if not page:
        return no_content()
    pagination: dict[str, Any] = {
        "currentPage": number,
        "pageSize": size,
        "totalCount": len(rows),
        "totalPages": math.ceil(len(rows) / size),
    }
    if start + size < len(rows):
        pagination["nextPageLink"] = _page_link(request, number + 1)
    return json_response(page, headers={"X-Pagination": json.dumps(pagination)})


def _page_link(request: Request, number: int) -> str:
    params = [
        (name, value)
        for name, value in request.args.items(multi=True)
        if name.lower() != "pagenumber"
    ]
    params.append(("PageNumber", str(number)))
    return f"{request.base_url}?{urlencode(params)}"
