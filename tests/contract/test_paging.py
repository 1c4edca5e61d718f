"""List endpoints page through the simulator's pages as through PowerOffice Go's
(tests/poweroffice/test_paging.py): from page 1 until no `nextPageLink`, a short page
or a 204. Pages of two rows make a handful of projects span several pages."""

from __future__ import annotations

import pytest

from tests.contract.helpers import answered

PAGE_SIZE = 2


@pytest.fixture
def paged_client(client):
    client.page_size = PAGE_SIZE
    return client


def add_projects(client, count: int, **fields) -> list[int]:
    return [
        client.projects.create({"Name": f"Prosjekt {n}", "Code": f"P{n}", **fields})["Id"]
        for n in range(1, count + 1)
    ]


def pages_asked(admin) -> dict[str, int]:
    return answered(admin, "GET /v2/Projects")


def test_follows_next_page_links_until_there_is_none(paged_client, admin):
    ids = add_projects(paged_client, 6)

    rows = paged_client.projects.list()

    assert [row["Id"] for row in rows] == ids
    assert pages_asked(admin) == {"200": 3}  # the third page is full, but has no next link


def test_a_short_page_is_the_last(paged_client, admin):
    ids = add_projects(paged_client, 5)

    assert [row["Id"] for row in paged_client.projects.list()] == ids
    assert pages_asked(admin) == {"200": 3}


def test_filters_hold_on_every_page(paged_client, admin):
    tentative = add_projects(paged_client, 5, ProjectStatus="Tentative")
    paged_client.projects.create({"Name": "Aktiv", "Code": "A1"})

    rows = paged_client.projects.list(status="Tentative")

    assert [row["Id"] for row in rows] == tentative
    assert pages_asked(admin) == {"200": 3}


def test_204_is_an_empty_list(client, admin):
    assert client.projects.list(customerNos=10042) == []
    assert pages_asked(admin) == {"204": 1}
