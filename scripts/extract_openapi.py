"""Extract from PowerOffice Go's published v2 OpenAPI the structural facts this project uses.

    python scripts/extract_openapi.py /path/to/openapi.yaml --commit <sha>

The source is `api/openapi.yaml` of github.com/stianwe/PowerOfficeGoV2 (a merge of
PowerOffice's own v2 OpenAPI files). Only structure is kept — paths, methods, parameters,
request and response schemas, and the component schemas they reach, each reduced to the
keywords a validator needs. No description, summary or example text is copied.

The output (sandbox/openapi/poweroffice-go-v2.json by default) is JSON with sorted keys, so
that re-running the script on the same source reproduces it byte for byte. It is a
developer tool: CI reads the JSON, never the YAML.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml

SOURCE_REPOSITORY = "stianwe/PowerOfficeGoV2"
SOURCE_PATH = "api/openapi.yaml"
DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "sandbox/openapi/poweroffice-go-v2.json"

# Every operation the client makes or the simulator serves, as the spec spells it.
OPERATIONS = (
    ("GET", "/Customers"),
    ("POST", "/Customers"),
    ("GET", "/Customers/{id}"),
    ("PATCH", "/Customers/{id}"),
    ("GET", "/Projects"),
    ("POST", "/Projects"),
    ("GET", "/Projects/{id}"),
    ("PATCH", "/Projects/{id}"),
    ("GET", "/Departments"),
    ("GET", "/Employees"),
    ("GET", "/GeneralLedgerAccounts"),
    ("GET", "/VatCodes"),
    ("GET", "/LockDateSettings"),
    ("GET", "/OutgoingInvoices"),
    ("GET", "/OutgoingInvoices/{id}"),
    ("GET", "/Vouchers/OutgoingInvoiceJournals/{id}"),
    ("GET", "/VoucherDocumentation"),
    ("GET", "/VoucherDocumentation/Download"),
    ("PUT", "/VoucherDocumentation"),
    ("GET", "/AccountTransactions"),
    ("GET", "/Suppliers"),
    ("GET", "/IncomingInvoices"),
    ("GET", "/IncomingInvoices/{id}"),
    ("GET", "/ClientIntegrationInformation"),
    ("GET", "/SubLedgerNumberSeries"),
)

SCHEMA_KEYWORDS = frozenset(
    {
        "type",
        "format",
        "required",
        "nullable",
        "enum",
        "maxLength",
        "minLength",
        "minimum",
        "maximum",
        "pattern",
        "additionalProperties",
        "items",
        "properties",
        "readOnly",
        "$ref",
        "allOf",
        "oneOf",
        "anyOf",
    }
)
SCHEMA_PREFIX = "#/components/schemas/"


class MissingOperation(Exception):
    """An operation of `OPERATIONS` that the source does not have."""


def reduce_schema(schema: Any) -> Any:
    """The schema with only the keywords of `SCHEMA_KEYWORDS`, all the way down."""
    if not isinstance(schema, dict):
        return schema
    reduced: dict[str, Any] = {}
    for keyword, value in schema.items():
        if keyword not in SCHEMA_KEYWORDS:
            continue
        if keyword == "properties":
            reduced[keyword] = {name: reduce_schema(prop) for name, prop in value.items()}
        elif keyword in ("allOf", "oneOf", "anyOf"):
            reduced[keyword] = [reduce_schema(part) for part in value]
        elif keyword in ("items", "additionalProperties"):
            reduced[keyword] = reduce_schema(value)
        else:
            reduced[keyword] = value
    return reduced


def _resolve(spec: dict, schema: dict) -> dict:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    return spec["components"]["schemas"][ref.removeprefix(SCHEMA_PREFIX)]


def _is_exploded_object(spec: dict, parameter: dict) -> bool:
    """A query object sent `style: form, explode: true` (OpenAPI's default for the query)."""
    if parameter["in"] != "query":
        return False
    if parameter.get("style", "form") != "form" or not parameter.get("explode", True):
        return False
    return _resolve(spec, parameter.get("schema", {})).get("type") == "object"


def flatten_parameters(spec: dict, parameters: list[dict]) -> list[dict]:
    """Parameters as they appear on the wire: an exploded object (`resourceParameter`)
    becomes one query parameter per property (`PageNumber`, `PageSize`, …). Read-only
    properties (`MaxPageSize`) are answers, not parameters, and are left out."""
    flat: list[dict] = []
    for parameter in parameters:
        if not _is_exploded_object(spec, parameter):
            flat.append(_parameter(parameter["name"], parameter, parameter["schema"]))
            continue
        target = _resolve(spec, parameter["schema"])
        required = set(target.get("required", ()))
        for name, prop in target.get("properties", {}).items():
            if prop.get("readOnly"):
                continue
            flat.append(_parameter(name, {**parameter, "required": name in required}, prop))
    return flat


def _parameter(name: str, parameter: dict, schema: dict) -> dict:
    return {
        "name": name,
        "in": parameter["in"],
        "required": bool(parameter.get("required", False)),
        "schema": reduce_schema(schema),
    }


def _content_schemas(content: dict | None) -> dict[str, Any]:
    return {
        media_type: reduce_schema(entry.get("schema", {}))
        for media_type, entry in (content or {}).items()
    }


def extract_operation(spec: dict, method: str, path: str) -> dict:
    operation = spec["paths"].get(path, {}).get(method.lower())
    if operation is None:
        raise MissingOperation(f"{method} {path}")
    shared = spec["paths"][path].get("parameters", [])
    extracted: dict[str, Any] = {
        "method": method,
        "path": path,
        "parameters": flatten_parameters(spec, [*shared, *operation.get("parameters", [])]),
        "responses": {
            str(status): _content_schemas(response.get("content"))
            for status, response in operation.get("responses", {}).items()
        },
    }
    if "requestBody" in operation:
        extracted["requestBody"] = _content_schemas(operation["requestBody"].get("content"))
    return extracted


def _refs(value: Any) -> set[str]:
    if isinstance(value, dict):
        found = {value["$ref"].removeprefix(SCHEMA_PREFIX)} if "$ref" in value else set()
        for item in value.values():
            found |= _refs(item)
        return found
    if isinstance(value, list):
        return set().union(*(_refs(item) for item in value)) if value else set()
    return set()


def reachable_schemas(spec: dict, roots: Any) -> dict[str, Any]:
    """Every component schema reachable through `$ref` from `roots`, reduced."""
    components = spec["components"]["schemas"]
    found: dict[str, Any] = {}
    pending = _refs(roots)
    while pending:
        name = pending.pop()
        if name in found:
            continue
        found[name] = reduce_schema(components[name])
        pending |= _refs(found[name]) - found.keys()
    return found


def extract(spec: dict, commit: str) -> dict:
    """The fixture: source, operations by "METHOD /Path", and the schemas they reach."""
    missing: list[str] = []
    operations: dict[str, Any] = {}
    for method, path in OPERATIONS:
        try:
            operations[f"{method} {path}"] = extract_operation(spec, method, path)
        except MissingOperation as exc:
            missing.append(str(exc))
    if missing:
        raise MissingOperation("not in the source: " + ", ".join(missing))
    return {
        "source": {"repository": SOURCE_REPOSITORY, "path": SOURCE_PATH, "commit": commit},
        "operations": operations,
        "schemas": reachable_schemas(spec, operations),
    }


def render(fixture: dict) -> str:
    return json.dumps(fixture, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="a local copy of api/openapi.yaml")
    parser.add_argument("--commit", required=True, help="the source repository's commit")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    spec = yaml.safe_load(args.source.read_text(encoding="utf-8"))
    try:
        fixture = extract(spec, args.commit)
    except MissingOperation as exc:
        sys.stderr.write(f"{exc}\n")
        return 1
    args.output.write_text(render(fixture), encoding="utf-8")
    counts = f"{len(fixture['operations'])} operations, {len(fixture['schemas'])} schemas"
    sys.stdout.write(f"{args.output}: {counts}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
