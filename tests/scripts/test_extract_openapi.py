"""The spec's extraction: structure only, no prose, and the same bytes every time."""

from __future__ import annotations

import json

import pytest

from scripts import extract_openapi

SPEC = {
    "openapi": "3.0.1",
    "paths": {
        "/Customers": {
            "get": {
                "description": "Gets customers, as the prose of the spec says at length.",
                "summary": "Customers (Auth roles: Customer)",
                "parameters": [
                    {
                        "in": "query",
                        "name": "customerNos",
                        "description": "A comma list.",
                        "example": "10000-11000",
                        "schema": {"type": "string"},
                    },
                    {
                        "in": "query",
                        "name": "resourceParameter",
                        "schema": {"$ref": "#/components/schemas/ResourceParameters"},
                    },
                ],
                "responses": {
                    "200": {
                        "description": "Given when resource returned successfully",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/CustomerDto"},
                                }
                            }
                        },
                    }
                },
            }
        }
    },
    "components": {
        "schemas": {
            "CustomerDto": {
                "additionalProperties": False,
                "description": "A customer.",
                "example": {"Name": "Acme AS"},
                "properties": {
                    "Name": {"type": "string", "nullable": True, "maxLength": 100},
                    "Number": {"type": "integer", "format": "int64", "example": 10001},
                },
                "type": "object",
            },
            "ResourceParameters": {
                "type": "object",
                "properties": {"PageSize": {"type": "integer", "format": "int32"}},
            },
            "Unused": {"type": "object", "description": "Not reached from any operation."},
        }
    },
}


@pytest.fixture
def one_operation(monkeypatch):
    monkeypatch.setattr(extract_openapi, "OPERATIONS", (("GET", "/Customers"),))


def test_the_same_source_gives_the_same_bytes(one_operation):
    first = extract_openapi.render(extract_openapi.extract(SPEC, "abc123"))
    again = extract_openapi.render(extract_openapi.extract(json.loads(json.dumps(SPEC)), "abc123"))
    assert first == again
    assert first.endswith("}\n")


def test_only_structure_is_kept_and_only_what_the_operations_reach(one_operation):
    fixture = extract_openapi.extract(SPEC, "abc123")
    text = extract_openapi.render(fixture)

    assert fixture["source"] == {
        "repository": "stianwe/PowerOfficeGoV2",
        "path": "api/openapi.yaml",
        "commit": "abc123",
    }
    for prose in ("description", "summary", "example", "at length", "Acme AS"):
        assert prose not in text
    assert set(fixture["schemas"]) == {"CustomerDto"}  # the paging object is flattened
    assert fixture["schemas"]["CustomerDto"]["properties"]["Name"]["maxLength"] == 100
    parameters = [p["name"] for p in fixture["operations"]["GET /Customers"]["parameters"]]
    assert parameters == ["customerNos", "PageSize"]  # as they stand in the query string


def test_a_missing_operation_is_named(monkeypatch):
    monkeypatch.setattr(extract_openapi, "OPERATIONS", (("GET", "/Suppliers"),))
    with pytest.raises(extract_openapi.MissingOperation, match="/Suppliers"):
        extract_openapi.extract(SPEC, "abc123")
