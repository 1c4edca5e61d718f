"""List endpoints: pages from 1 until a 204, a short page or no `nextPageLink`."""

from __future__ import annotations

import json

import responses

from sync_worker.poweroffice import paging
from tests.poweroffice.conftest import BASE, api_calls

PROJECTS = f"{BASE}/Projects"


def page(number: int, rows: list[dict], *, next_link: bool | None = None) -> dict:
    """A registration for one page; `next_link` None means no X-Pagination header."""
    headers = {}
    if next_link is not None:
        link = f"{PROJECTS}?PageNumber={number + 1}&PageSize=2" if next_link else None
        headers["X-Pagination"] = json.dumps({"currentPage": number, "nextPageLink": link})
    return {
        "method": responses.GET,
        "url": PROJECTS,
        "json": rows,
        "headers": headers,
        "match": [responses.matchers.query_param_matcher({"PageNumber": number, "PageSize": 2})],
    }


def pages_asked(rsps) -> list[str]:
    return [call.request.params["PageNumber"] for call in api_calls(rsps)]


def test_follows_next_page_links_until_there_is_none(client, rsps, token_endpoint):
    rsps.add(**page(1, [{"Id": 1}, {"Id": 2}], next_link=True))
    rsps.add(**page(2, [{"Id": 3}, {"Id": 4}], next_link=True))
    rsps.add(**page(3, [{"Id": 5}, {"Id": 6}], next_link=False))

    rows = paging.collect(client.request, "/Projects", page_size=2)

    assert [row["Id"] for row in rows] == [1, 2, 3, 4, 5, 6]
    assert pages_asked(rsps) == ["1", "2", "3"]


def test_a_short_page_is_the_last(client, rsps, token_endpoint):
    rsps.add(**page(1, [{"Id": 1}, {"Id": 2}]))
    rsps.add(**page(2, [{"Id": 3}]))

    rows = paging.collect(client.request, "/Projects", page_size=2)

    assert [row["Id"] for row in rows] == [1, 2, 3]
    assert pages_asked(rsps) == ["1", "2"]


def test_204_after_a_full_page_ends_the_list(client, rsps, token_endpoint):
    rsps.add(responses.GET, PROJECTS, json=[{"Id": 1}, {"Id": 2}])  # answers in this order
    rsps.add(responses.GET, PROJECTS, status=204)

    rows = paging.collect(client.request, "/Projects", {"status": "Active"}, page_size=2)

    assert [row["Id"] for row in rows] == [1, 2]
    assert api_calls(rsps)[1].request.params == {
        "status": "Active",
        "PageNumber": "2",
        "PageSize": "2",
    }


def test_204_is_an_empty_list(client, rsps, token_endpoint):
    rsps.add(responses.GET, PROJECTS, status=204)

    assert client.projects.list(customerNos=10042) == []
    assert len(api_calls(rsps)) == 1
