"""Is a request (or an answer) one that PowerOffice Go's published v2 OpenAPI allows?

`validate_request` and `validate_response` return the problems they find, each naming where
(`query: unknown parameter 'foo'`, `body.MailAddress: 'City' is a required property`); an
empty list means valid. Paths are relative to the v2 base (`/Customers/123`) and match the
spec's templates ignoring case, as PowerOffice Go does.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sandbox.openapi import jsonschemas, spec
from sandbox.openapi.parameters import Query, parameter_problems
from sandbox.openapi.patch import patch_problems

JSON_PATCH_DOCUMENT = "JsonPatchDocument"
MULTIPART = "multipart/form-data"

OUTSIDE_SPEC: tuple[spec.Operation, ...] = (
    spec.Operation(
        method="POST",
        path="/Vouchers/OutgoingInvoiceJournals",
        request_body={"application/json": spec.schema_ref("OutgoingInvoiceVoucherDto")},
        responses={
            "201": {"application/json": spec.schema_ref("OutgoingInvoiceVoucherDto")},
            "400": {"application/json": spec.schema_ref("ProblemDetails")},
            "404": {"application/json": spec.schema_ref("ProblemDetails")},
        },
        why=(
            "The spec has only GET /Vouchers/OutgoingInvoiceJournals/{id}, yet defines "
            "OutgoingInvoiceVoucherDto as the properties available when posting one; reference "
            "section 14 decides invoices and credit notes are posted here. The body is checked "
            "as that DTO without its read-only fields (Id, VoucherNo, CreatedDateTimeOffset)."
        ),
    ),
)
"""The only operations allowed although the spec lacks them, each with why and the schema
its body is validated against. The token endpoint (`/OAuth/Token`) is outside the v2 base
and is not validated at all: its own OpenAPI is a separate document."""


def find_operation(method: str, path: str) -> tuple[spec.Operation, dict[str, str]] | None:
    """The operation for `method path` and its path arguments; the most literal template
    wins (`/VoucherDocumentation/Download` over a `{id}` in the same place)."""
    method = method.upper()
    matches = [
        (operation, arguments)
        for operation in (*spec.operations(), *OUTSIDE_SPEC)
        if operation.method == method
        and (arguments := operation.match(path.split("?", 1)[0])) is not None
    ]
    return max(matches, key=lambda match: match[0].literal_segments, default=None)


def validate_request(
    method: str,
    path: str,
    query: Query,
    body: bytes | str | dict | list | None,
    content_type: str | None,
) -> list[str]:
    """The problems of one request; `body` is the raw body (or JSON already decoded) and
    `content_type` its header, with parameters (a multipart boundary)."""
    found = find_operation(method, path)
    if found is None:
        return [_no_such_operation(method, path)]
    operation, arguments = found
    return [
        *parameter_problems(operation, arguments, query),
        *_body_problems(operation, body, content_type),
    ]


def validate_response(method: str, path: str, status: int, body: Any) -> list[str]:
    """The problems of one answer; `body` is its decoded JSON, None for an empty body."""
    found = find_operation(method, path)
    if found is None:
        return [_no_such_operation(method, path)]
    operation = found[0]
    content = operation.responses.get(str(status))
    if content is None:
        if "default" in operation.responses:
            return []
        return [f"status: {status} is not a response of {operation.label} in the spec"]
    if not content:
        return ["body: the spec's 204 has no body"] if status == 204 and body is not None else []
    schema = content.get("application/json") or next(iter(content.values()))
    return jsonschemas.problems(schema, body, "body", request=False)


def _no_such_operation(method: str, path: str) -> str:
    return f"{method.upper()} {path}: no such operation in PowerOffice Go's v2 OpenAPI"


def _is_empty(body: bytes | str | dict | list | None) -> bool:
    return body is None or (isinstance(body, bytes | str) and not body.strip())


def _body_problems(
    operation: spec.Operation, body: bytes | str | dict | list | None, content_type: str | None
) -> list[str]:
    accepted = operation.request_body
    if accepted is None:
        return [] if _is_empty(body) else [f"body: {operation.label} takes no request body"]
    if _is_empty(body):
        return [f"body: {operation.label} needs a body ({', '.join(accepted)})"]
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    schema = _schema_for(accepted, media_type)
    if schema is None:
        return [f"content type: '{media_type}' is not one of {list(accepted)}"]
    if media_type == MULTIPART:
        return _multipart_problems(schema, body, content_type or "")
    try:
        document = _decoded(body)
    except ValueError as exc:
        return [f"body: not valid JSON ({exc})"]
    if spec.schema_name(schema) == JSON_PATCH_DOCUMENT:
        return patch_problems(document, _patch_target(operation))
    return jsonschemas.problems(schema, document, "body", request=True)


def _schema_for(accepted: Mapping[str, dict], media_type: str) -> dict | None:
    if media_type in accepted:
        return accepted[media_type]
    suffixed = media_type.startswith("application/") and media_type.endswith("+json")
    return accepted.get("application/*+json") if suffixed else None


def _decoded(body: bytes | str | dict | list) -> Any:
    if isinstance(body, dict | list):
        return body
    return json.loads(body, parse_float=Decimal)


def _patch_target(operation: spec.Operation) -> dict[str, Any]:
    """The schema a PATCH's paths and values refer to: the collection's post DTO."""
    collection = operation.path.rsplit("/", 1)[0]
    found = find_operation("POST", collection)
    if found is None or found[0].request_body is None:
        raise LookupError(f"{operation.label}: no POST {collection} to take the fields from")
    return found[0].request_body["application/json"]


def _multipart_problems(
    schema: dict, body: bytes | str | dict | list, content_type: str
) -> list[str]:
    raw = body.encode("utf-8") if isinstance(body, str) else body
    if not isinstance(raw, bytes):
        return ["body: a multipart body is sent as bytes"]
    header = f"Content-Type: {content_type}\r\n\r\n".encode("latin-1")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(header + raw)
    if not message.is_multipart():
        return ["body: not a multipart/form-data body (no boundary or no parts)"]
    names = [part.get_param("name", header="content-disposition") for part in message.iter_parts()]
    known = spec.resolve(schema).get("properties", {})
    found = [f"body: unknown part '{name}'" for name in names if name not in known]
    if "file" in known and "file" not in names:
        found.append("body: the 'file' part is missing")
    return found
