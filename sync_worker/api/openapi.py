"""The OpenAPI 3 document of the HTTP door, served at /v1/openapi.json.

Built from the same names the door and the library use (the message types from the kinds'
registry, the transfer statuses, the publish statuses, the door's limits), so that it
cannot drift from them; a property-based test (schemathesis) holds every answer of the
door to it.
"""

from __future__ import annotations

from typing import Any

from sync_worker import __version__, kinds
from sync_worker.api import limits, views
from sync_worker.db.models import MessageStatus, SyncStatus
from sync_worker.expenses.moment_api import LEASE

# What the door answers with, besides each operation's own answers.
_UNAUTHORIZED = "401"
_UNAVAILABLE = "503"


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "nullable": True}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict[str, Any], *, required: list[str] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
    }


def _bounded(bounds: limits.Bounds) -> dict[str, Any]:
    return {
        "type": "integer",
        "minimum": bounds.least,
        "maximum": bounds.most,
        "default": bounds.default,
    }


_TEXT = {"type": "string"}
_TEXT_OR_NULL = _nullable(_TEXT)
_INTEGER = {"type": "integer"}
_TIME = {"type": "string", "format": "date-time"}
_TIME_OR_NULL = _nullable(_TIME)


def _schemas() -> dict[str, Any]:
    return {
        "Error": _object({"error": _TEXT}),
        "Message": {
            "type": "object",
            "description": (
                "A message of the contract (spec/messages.md); a field it does not know is "
                "ignored. Each message is judged on its own: one refused never stops the rest."
            ),
            "properties": {
                "message_id": {"type": "string", "format": "uuid"},
                "tenant": {"type": "string", "description": "the token's tenant"},
                "type": {"type": "string", "enum": [k.message_type for k in kinds.all_kinds()]},
                "version": {"type": "integer", "minimum": 0},
                "occurred_at": _TIME,
                "trigger": {"type": "string", "enum": ["auto", "manual"]},
                "data": {"type": "object"},
            },
            "required": ["message_id", "tenant", "type", "version", "occurred_at", "data"],
        },
        "PublishResult": _object(
            {
                "item": {"type": "integer", "minimum": 1, "description": "1 for the first"},
                "message_id": _nullable({"type": "string", "format": "uuid"}),
                "status": {"type": "string", "enum": list(views.STATUSES)},
                "error": _nullable(
                    {"type": "string", "description": "why it was refused, naming the field"}
                ),
            }
        ),
        "Published": _object(
            {
                "results": {"type": "array", "items": _ref("PublishResult")},
                **{status: {"type": "integer", "minimum": 0} for status in views.STATUSES},
            }
        ),
        "Transfer": _object(
            {
                "id": _INTEGER,
                "kind": {"type": "string", "enum": list(kinds.names())},
                "number": _TEXT,
                "status": {"type": "string", "enum": [s.value for s in SyncStatus]},
                "step": _nullable({"type": "string", "description": "the last step completed"}),
                "poweroffice_id": _TEXT_OR_NULL,
                "last_error": _TEXT_OR_NULL,
                "failures": {"type": "integer", "minimum": 0},
                "updated_at": _TIME,
                "transferred_at": _TIME_OR_NULL,
                "recheck_until": _TIME_OR_NULL,
            }
        ),
        "Transfers": _object({"transfers": {"type": "array", "items": _ref("Transfer")}}),
        "Attempt": _object(
            {
                "step": _TEXT,
                "outcome": _TEXT,
                "at": _TIME,
                "detail": _TEXT_OR_NULL,
                "poweroffice_detail": _TEXT_OR_NULL,
                "http_status": _nullable(_INTEGER),
                "error_type": _TEXT_OR_NULL,
                "duration_ms": _nullable(_INTEGER),
            }
        ),
        "MessageState": _object(
            {
                "message_id": {"type": "string", "format": "uuid"},
                "type": _TEXT,
                "kind": _TEXT,
                "number": _TEXT,
                "version": _INTEGER,
                "trigger": _TEXT,
                "occurred_at": _TIME,
                "received_at": _TIME,
                "status": {"type": "string", "enum": [s.value for s in MessageStatus]},
                "processed_at": _TIME_OR_NULL,
                "error": _TEXT_OR_NULL,
                "transfer": _nullable(_ref("Transfer")),
                "history": {"type": "array", "items": _ref("Attempt")},
            }
        ),
        "ClaimRequest": _object(
            {"limit": _bounded(limits.CLAIM)},
            required=[],
        ),
        "ExpenseAttachment": _object(
            {
                "number": {"type": "integer", "minimum": 1},
                "filename": _TEXT,
                "content_type": _TEXT,
                "sha256": _TEXT,
                "url": {"type": "string", "description": "where to download it"},
            }
        ),
        "Expense": _object(
            {
                "id": _INTEGER,
                "tenant": _TEXT,
                "source_id": {"type": "string", "description": "stable: Moment keys on it"},
                "project_number": _TEXT,
                "description": _TEXT,
                "amount_incl_vat": {"type": "string", "description": 'NOK, e.g. "1250.00"'},
                "supplier_name": _TEXT,
                "invoice_date": {"type": "string", "format": "date"},
                "account_code": _TEXT,
                "billable": {"type": "boolean"},
                "attachments": {"type": "array", "items": _ref("ExpenseAttachment")},
            }
        ),
        "Claimed": _object(
            {
                "token": _nullable(
                    {"type": "string", "description": "acknowledges the batch; null if empty"}
                ),
                "lease_expires_at": _TIME_OR_NULL,
                "expenses": {"type": "array", "items": _ref("Expense")},
            }
        ),
        "AcknowledgeRequest": {
            "oneOf": [
                _object({"token": {"type": "string", "format": "uuid"}}),
                _object(
                    {
                        "ids": {
                            "type": "array",
                            "items": {"type": "integer", "minimum": 1, "maximum": limits.ID_MAX},
                        }
                    }
                ),
            ]
        },
        "Acknowledged": _object({"acknowledged": {"type": "integer", "minimum": 0}}),
    }


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


def _answers(ok: dict[str, Any], *codes: str) -> dict[str, Any]:
    words = {
        "400": "the request is not one the door takes; the error says why",
        "404": "not found: unknown, or another tenant's",
        "413": "the body is too large",
    }
    return {
        "200": ok,
        **{code: _error(words[code]) for code in codes},
        _UNAUTHORIZED: {
            **_error("no valid API token"),
            "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}},
        },
        _UNAVAILABLE: _error("the database cannot be reached; try again"),
    }


def _tenant() -> dict[str, Any]:
    return {
        "name": "tenant",
        "in": "path",
        "required": True,
        "schema": {"type": "string"},
        "description": "the token's tenant (Moment company code)",
    }


def _paths() -> dict[str, Any]:
    ids = {"type": "integer", "minimum": 1, "maximum": limits.ID_MAX}
    return {
        "/v1/openapi.json": {
            "get": {
                "summary": "This document",
                "security": [],
                "responses": {"200": _json({"type": "object"}, "the OpenAPI document")},
            }
        },
        "/v1/messages": {
            "post": {
                "summary": "Publish one message or an array of them",
                "description": (
                    "The same validation and answers as the producer's `publish_many`: one "
                    "result per message, in the order sent. A message with a `message_id` "
                    "received before is a duplicate (stored once); with other content it is "
                    "refused. A message of another tenant than the token's is refused."
                ),
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "oneOf": [
                                    _ref("Message"),
                                    {"type": "array", "items": _ref("Message")},
                                ]
                            }
                        }
                    },
                },
                "responses": _answers(
                    _json(_ref("Published"), "one result per message"), "400", "413"
                ),
            }
        },
        "/v1/messages/{message_id}": {
            "get": {
                "summary": "A message's status, its entity's transfer, and its history",
                "parameters": [
                    {
                        "name": "message_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "format": "uuid"},
                    }
                ],
                "responses": _answers(_json(_ref("MessageState"), "the message"), "404"),
            }
        },
        "/v1/tenants/{tenant}/transfers": {
            "get": {
                "summary": "The tenant's transfers, most recently changed first",
                "parameters": [
                    _tenant(),
                    {
                        "name": "status",
                        "in": "query",
                        "schema": {"type": "string", "enum": [s.value for s in SyncStatus]},
                    },
                    {
                        "name": "kind",
                        "in": "query",
                        "schema": {"type": "string", "enum": list(kinds.names())},
                    },
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": _bounded(limits.TRANSFERS),
                    },
                ],
                "responses": _answers(_json(_ref("Transfers"), "the transfers"), "400", "404"),
            }
        },
        "/v1/tenants/{tenant}/expenses/claim": {
            "post": {
                "summary": "Claim imported expenses not yet acknowledged",
                "description": (
                    "Each expense goes to one claimer at a time, for a lease of "
                    f"{int(LEASE.total_seconds() // 60)} minutes; one not "
                    "acknowledged by then is offered again. The body may be left out."
                ),
                "parameters": [_tenant()],
                "requestBody": {
                    "required": False,
                    "content": {"application/json": {"schema": _ref("ClaimRequest")}},
                },
                "responses": _answers(
                    _json(_ref("Claimed"), "the claimed expenses"), "400", "404", "413"
                ),
            }
        },
        "/v1/tenants/{tenant}/expenses/acknowledge": {
            "post": {
                "summary": "Acknowledge claimed expenses: never offered again",
                "parameters": [_tenant()],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("AcknowledgeRequest")}},
                },
                "responses": _answers(
                    _json(_ref("Acknowledged"), "how many were acknowledged now"),
                    "400",
                    "404",
                    "413",
                ),
            }
        },
        "/v1/tenants/{tenant}/expenses/{expense_id}/attachments/{number}": {
            "get": {
                "summary": "Download an attachment of an expense (1 for the first)",
                "parameters": [
                    _tenant(),
                    {"name": "expense_id", "in": "path", "required": True, "schema": ids},
                    {"name": "number", "in": "path", "required": True, "schema": ids},
                ],
                "responses": _answers(
                    {
                        "description": "the file, with its content type",
                        "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
                    },
                    "404",
                ),
            }
        },
    }


def document() -> dict[str, Any]:
    """The whole document, built anew (a caller may change its copy)."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "sync-worker HTTP door",
            "version": __version__,
            "description": (
                "Publish Moment's messages, follow their transfers to PowerOffice Go, and "
                "take the imported expenses. Every call but this document's takes a "
                "tenant's bearer token (`sync-worker api token create`); another tenant's "
                "data is not found (404)."
            ),
        },
        "paths": _paths(),
        "components": {
            "schemas": _schemas(),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }
