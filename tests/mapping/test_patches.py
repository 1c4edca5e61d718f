from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync_worker.mapping import json_patch


def apply(document: dict[str, Any], operations: list[dict[str, Any]]) -> dict[str, Any]:
    """Just enough RFC 6902 (add, replace on object members) to check our patches."""
    result = copy.deepcopy(document)
    for operation in operations:
        *parents, last = [
            part.replace("~1", "/").replace("~0", "~") for part in operation["path"][1:].split("/")
        ]
        target = result
        for part in parents:
            target = target[part]
        if operation["op"] == "replace":
            assert last in target, f"replace of a missing member: {operation}"
        else:
            assert operation["op"] == "add", operation
        target[last] = copy.deepcopy(operation["value"])
    return result


PREVIOUS = {
    "Name": "Fjordkraft Konsulent AS",
    "Number": 10001,
    "OrganizationNumber": "923609016",
    "MailAddress": {"AddressLine1": "Storgata 1", "City": "Oslo", "CountryCode": "NO"},
}


@pytest.mark.parametrize(
    ("desired", "expected"),
    [
        (PREVIOUS, []),
        (
            PREVIOUS | {"Name": "Fjordkraft AS"},
            [{"op": "replace", "path": "/Name", "value": "Fjordkraft AS"}],
        ),
        (
            PREVIOUS | {"OrganizationNumber": None},
            [{"op": "replace", "path": "/OrganizationNumber", "value": None}],
        ),
        (
            PREVIOUS | {"MailAddress": PREVIOUS["MailAddress"] | {"City": "Bergen"}},
            [{"op": "replace", "path": "/MailAddress/City", "value": "Bergen"}],
        ),
        (
            PREVIOUS | {"MailAddress": PREVIOUS["MailAddress"] | {"ZipCode": "5003"}},
            [{"op": "add", "path": "/MailAddress/ZipCode", "value": "5003"}],
        ),
        (
            {"Name": PREVIOUS["Name"], "EmailAddress": "post@fjordkraft.no"},
            [{"op": "add", "path": "/EmailAddress", "value": "post@fjordkraft.no"}],
        ),
        ({"Name": PREVIOUS["Name"]}, []),  # what we do not own is left alone
        ({"a/b~c": 1}, [{"op": "add", "path": "/a~1b~0c", "value": 1}]),
    ],
)
def test_json_patch(desired, expected):
    assert json_patch(PREVIOUS, desired) == expected


def test_a_nested_object_replaces_a_null():
    previous = {"MailAddress": None}
    desired = {"MailAddress": {"City": "Oslo"}}
    assert json_patch(previous, desired) == [
        {"op": "replace", "path": "/MailAddress", "value": {"City": "Oslo"}}
    ]


def test_a_dto_with_extra_keys_only_shows_real_changes():
    dto = PREVIOUS | {"Id": 123456, "SubledgerAccountId": 987, "PhoneNumber": "22 00 00 00"}
    desired = PREVIOUS | {"Number": 10001}
    assert json_patch(dto, desired) == []


KEYS = st.sampled_from(["Name", "Number", "City", "ZipCode", "a/b", "~"])
SCALARS = st.none() | st.booleans() | st.integers() | st.text(max_size=5)
DOCUMENTS = st.recursive(
    SCALARS, lambda children: st.dictionaries(KEYS, children, max_size=4), max_leaves=12
).filter(lambda value: isinstance(value, dict))


@given(DOCUMENTS, DOCUMENTS)
def test_applying_the_patch_yields_what_was_desired(previous, desired):
    patched = apply(previous, json_patch(previous, desired))
    assert _owned(patched, desired) == desired


@given(DOCUMENTS)
def test_nothing_to_do_when_equal(document):
    assert json_patch(document, copy.deepcopy(document)) == []


def _owned(document: Any, desired: Any) -> Any:
    """`document` cut down to the keys that `desired` has, level by level."""
    if not (isinstance(document, dict) and isinstance(desired, dict)):
        return document
    return {key: _owned(document.get(key), value) for key, value in desired.items()}
