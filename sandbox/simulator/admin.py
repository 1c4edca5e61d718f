"""The admin API under `/_admin` (never part of PowerOffice Go): clients and their books,
read-back of everything stored, statistics, faults and the rate limit. JSON both ways,
snake_case keys in, stored rows back as the API shows them (PascalCase). Every route is
documented in docs/simulator.md.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from sandbox.simulator import books, jsonio
from sandbox.simulator.body import Body
from sandbox.simulator.faults import FaultConfig
from sandbox.simulator.resources.integration import PRIVILEGES
from sandbox.simulator.resources.vouchers import OUTGOING_TYPES
from sandbox.simulator.responses import ApiError, json_response
from sandbox.simulator.seed import apply_setup, norwegian_setup
from sandbox.simulator.store import ClientState, Voucher, now_text

if TYPE_CHECKING:
    from sandbox.simulator.app import Simulator

PREFIX = "/_admin"
ENTITY = "Admin request"


class AdminError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def dispatch(sim: Simulator, request: Request) -> Response:
    try:
        handler, args = _MAP.bind("simulator").match(request.path, request.method)
        with sim.store.transaction():
            return handler(sim, request, **args)
    except NotFound:
        return _error(404, f"no admin route {request.path}")
    except MethodNotAllowed:
        return _error(405, f"{request.method} is not allowed on {request.path}")
    except AdminError as exc:
        return _error(exc.status, str(exc))
    except ApiError as exc:
        return _error(exc.status, exc.detail)
    except books.SetupError as exc:
        return _error(400, str(exc))


def _error(status: int, message: str) -> Response:
    return json_response({"error": message}, status)


def _json(request: Request) -> dict[str, Any]:
    try:
        data = jsonio.loads(request.get_data() or b"{}")
    except ValueError as exc:
        raise AdminError(400, f"the body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise AdminError(400, "the body must be a JSON object")
    return data


def _body(request: Request) -> Body:
    return Body(_json(request), ENTITY)


def _date(body: Body, name: str, *, required: bool = False) -> dt.date | None:
    text = body.date(name, required=required)
    return dt.date.fromisoformat(text) if text else None


def _client(sim: Simulator, client_key: str) -> ClientState:
    client = sim.store.client(client_key)
    if client is None:
        raise AdminError(404, f"no client with client key {client_key!r}")
    return client


# --- service ---------------------------------------------------------------------------


def health(sim: Simulator, request: Request) -> Response:
    return json_response({"status": "ok"})


def reset(sim: Simulator, request: Request) -> Response:
    sim.reset()
    return json_response({"status": "reset"})


# --- clients and their books -----------------------------------------------------------


def list_clients(sim: Simulator, request: Request) -> Response:
    return json_response([client.summary() for client in sim.store.clients()])


def create_client(sim: Simulator, request: Request) -> Response:
    body = _body(request)
    client_key = body.text("client_key", required=True)
    try:
        client = sim.store.create_client(client_key, body.text("name") or client_key)
    except ValueError as exc:
        raise AdminError(409, str(exc)) from None
    # The keys this client's integration uses; one simulator can serve several.
    if application_key := body.text("application_key"):
        sim.application_keys.add(application_key)
    if subscription_key := body.text("subscription_key"):
        sim.subscription_keys.add(subscription_key)
    return json_response(client.summary(), 201)


def get_client(sim: Simulator, request: Request, client_key: str) -> Response:
    return json_response(_client(sim, client_key).summary())


def seed_client(sim: Simulator, request: Request, client_key: str) -> Response:
    client = _client(sim, client_key)
    counts = apply_setup(client, norwegian_setup(_date(_body(request), "lock_date")))
    return json_response({**client.summary(), "seeded": counts})


def add_account(sim: Simulator, request: Request, client_key: str) -> Response:
    body = _body(request)
    row = books.add_account(
        _client(sim, client_key),
        body.integer("account_no", required=True),
        body.text("name", required=True),
        account_type=body.text("account_type"),
        vat_code=body.text("vat_code"),
        is_active=body.boolean("is_active", True),
        is_project_required=body.boolean("is_project_required", False),
        is_department_required=body.boolean("is_department_required", False),
        is_vat_code_locked=body.boolean("is_vat_code_locked", False),
    )
    return json_response(row, 201)


def add_vat_code(sim: Simulator, request: Request, client_key: str) -> Response:
    body = _body(request)
    row = books.add_vat_code(
        _client(sim, client_key),
        body.text("code", required=True),
        body.text("name", required=True),
        body.decimal("rate", required=True),
        is_active=body.boolean("is_active", True),
    )
    return json_response(row, 201)


def add_department(sim: Simulator, request: Request, client_key: str) -> Response:
    body = _body(request)
    row = books.add_department(
        _client(sim, client_key),
        body.text("code", required=True),
        body.text("name", required=True),
        is_active=body.boolean("is_active", True),
    )
    return json_response(row, 201)


def add_employee(sim: Simulator, request: Request, client_key: str) -> Response:
    body = _body(request)
    row = books.add_employee(
        _client(sim, client_key),
        body.text("first_name", required=True),
        body.text("last_name", required=True),
        body.text("email", required=True),
        number=body.integer("number"),
    )
    return json_response(row, 201)


def add_supplier(sim: Simulator, request: Request, client_key: str) -> Response:
    body = _body(request)
    row = books.add_supplier(
        _client(sim, client_key),
        body.integer("number", required=True),
        body.text("name", required=True),
        organization_number=body.text("organization_number"),
    )
    return json_response(row, 201)


def set_lock_date(sim: Simulator, request: Request, client_key: str) -> Response:
    client = _client(sim, client_key)
    books.set_lock_date(client, _date(_body(request), "lock_date"))
    return json_response({"LockDate": client.lock_date})


def set_invalid_privileges(sim: Simulator, request: Request, client_key: str) -> Response:
    """`{"invalid": ["Customer_Full", …]}`: the privileges the integration lacks from now on."""
    client = _client(sim, client_key)
    invalid = _json(request).get("invalid") or []
    unknown = sorted(set(invalid) - set(PRIVILEGES))
    if unknown:
        raise AdminError(400, f"unknown privileges {unknown}; known: {', '.join(PRIVILEGES)}")
    client.invalid_privileges = set(invalid)
    return json_response({"invalid": sorted(client.invalid_privileges)})


def add_supplier_voucher(sim: Simulator, request: Request, client_key: str) -> Response:
    client = _client(sim, client_key)
    voucher = books.post_supplier_voucher(client, _supplier_voucher(_body(request)))
    return json_response(_voucher_view(client, voucher), 201)


def add_journal(sim: Simulator, request: Request, client_key: str) -> Response:
    client = _client(sim, client_key)
    voucher = books.post_journal(client, _journal(_body(request)))
    return json_response(_voucher_view(client, voucher), 201)


def reverse_voucher(sim: Simulator, request: Request, client_key: str, voucher_id: str) -> Response:
    """Answers the new reversal voucher."""
    client = _client(sim, client_key)
    try:
        reversal = books.reverse_voucher(client, voucher_id)
    except LookupError as exc:
        raise AdminError(404, str(exc)) from None
    return json_response(_voucher_view(client, reversal))


def key_in_copy(sim: Simulator, request: Request, client_key: str, voucher_id: str) -> Response:
    """An outgoing voucher keyed in again by hand: a new voucher number, no integration's,
    with the same invoice number (a person is not held to its uniqueness) and `total`, when
    given, as its total. No account transactions are posted for it."""
    client = _client(sim, client_key)
    original = client.vouchers.get(voucher_id.lower())
    if original is None or original.voucher_type not in OUTGOING_TYPES:
        raise AdminError(404, f"no outgoing voucher {voucher_id}")
    total = _body(request).decimal("total")
    copy_id, copy_no = str(uuid.uuid4()), client.next_voucher_no()
    dto = {
        **original.dto,
        "Id": copy_id,
        "VoucherNo": copy_no,
        "ExternalImportReference": None,
        "IsReversed": False,
        "CreatedDateTimeOffset": now_text(),
    }
    if total is not None:
        dto["CurrencyAmount"] = total
    copy = replace(original, id=copy_id, voucher_no=copy_no, dto=dto, is_imported=False, pdf=None)
    client.vouchers[copy_id] = copy
    return json_response(_voucher_view(client, copy), 201)


def _lines(body: Body) -> tuple[books.ExpenseLine, ...]:
    return tuple(
        books.ExpenseLine(
            account_no=line.integer("account_no", required=True),
            net_amount=line.decimal("net_amount", required=True),
            vat_code=line.text("vat_code"),
            project_code=line.text("project_code"),
            description=line.text("description") or "",
            supplier_no=line.integer("supplier_no"),
        )
        for line in body.items("lines")
    )


def _supplier_voucher(body: Body) -> books.SupplierVoucher:
    return books.SupplierVoucher(
        supplier_no=body.integer("supplier_no", required=True),
        voucher_date=_date(body, "voucher_date", required=True),
        lines=_lines(body),
        posting_date=_date(body, "posting_date"),
        due_date=_date(body, "due_date"),
        currency_code=(body.text("currency_code") or "NOK").upper(),
        exchange_rate=body.decimal("exchange_rate") or Decimal(1),
        description=body.text("description") or "",
        invoice_no=body.text("invoice_no"),
        voucher_type=body.text("voucher_type") or books.SUPPLIER_VOUCHER_TYPES[0],
        documentation=_documentation(body),
        is_reversed=body.boolean("reversed", False),
    )


def _journal(body: Body) -> books.Journal:
    return books.Journal(
        voucher_type=body.text("voucher_type", required=True),
        voucher_date=_date(body, "voucher_date", required=True),
        lines=_lines(body),
        posting_date=_date(body, "posting_date"),
        description=body.text("description") or "",
        documentation=_documentation(body),
        is_reversed=body.boolean("reversed", False),
    )


def _documentation(body: Body) -> books.Documentation:
    """`pdf_base64`, or `page_images: [{"jpeg_base64": …}]` in sort order, and `ehf`."""
    encoded_pdf = body.text("pdf_base64")
    pages = body.items("page_images")
    return books.Documentation(
        pdf=None if encoded_pdf is None else _decoded(encoded_pdf, "pdf_base64"),
        pdf_filename=body.text("pdf_filename"),
        page_images=tuple(
            _decoded(page.text("jpeg_base64", required=True), "jpeg_base64") for page in pages
        ),
        ehf=body.boolean("ehf", False),
    )


def _decoded(encoded: str, name: str) -> bytes:
    try:
        return base64.b64decode(encoded, validate=True)
    except binascii.Error:
        raise AdminError(400, f"{name} is not valid base64") from None


# --- read-back -------------------------------------------------------------------------


def _voucher_view(client: ClientState, voucher: Voucher) -> dict[str, Any]:
    return {
        **voucher.dto,
        "Id": voucher.id,
        "VoucherNo": voucher.voucher_no,
        "VoucherType": voucher.voucher_type,
        "IsImported": voucher.is_imported,
        "HasPdf": voucher.pdf is not None,
        "HasImages": bool(voucher.images),
        "HasEhf": voucher.ehf is not None,
        "Transactions": [row for row in client.transactions if row["VoucherId"] == voucher.id],
    }


def _documents(client: ClientState, request: Request) -> list[dict[str, Any]]:
    """Every file of every voucher's documentation; `kind` is pdf, image or ehf."""
    include_bytes = request.args.get("include_bytes", "").lower() in ("1", "true", "yes")
    rows = []
    for voucher in client.vouchers.values():
        files = [("pdf", voucher.pdf), *(("image", page) for page in voucher.images)]
        files.append(("ehf", voucher.ehf))
        for kind, document in files:
            if document is None:
                continue
            row = {
                "voucher_id": voucher.id,
                "voucher_no": voucher.voucher_no,
                "voucher_type": voucher.voucher_type,
                "kind": kind,
                "filename": document.filename,
                "size": len(document.content),
                "sha256": document.sha256,
            }
            if include_bytes:
                row["content_base64"] = base64.b64encode(document.content).decode("ascii")
            rows.append(row)
    return rows


_COLLECTIONS: dict[str, Callable[[ClientState, Request], list[Any]]] = {
    "customers": lambda client, _: list(client.customers.values()),
    "projects": lambda client, _: list(client.projects.values()),
    "departments": lambda client, _: list(client.departments.values()),
    "employees": lambda client, _: list(client.employees.values()),
    "accounts": lambda client, _: list(client.accounts.values()),
    "vat-codes": lambda client, _: list(client.vat_codes.values()),
    "suppliers": lambda client, _: list(client.suppliers.values()),
    "vouchers": lambda client, _: [_voucher_view(client, v) for v in client.vouchers.values()],
    "transactions": lambda client, _: list(client.transactions),
    "documents": _documents,
}


def read_collection(sim: Simulator, request: Request, client_key: str, collection: str) -> Response:
    reader = _COLLECTIONS.get(collection)
    if reader is None:
        raise AdminError(404, f"no collection {collection!r}; one of {', '.join(_COLLECTIONS)}")
    return json_response(reader(_client(sim, client_key), request))


# --- statistics, faults, tokens, rate limit --------------------------------------------


def get_stats(sim: Simulator, request: Request) -> Response:
    return json_response(sim.stats.snapshot())


def reset_stats(sim: Simulator, request: Request) -> Response:
    sim.stats.reset()
    return json_response(sim.stats.snapshot())


def _faults_view(sim: Simulator) -> Response:
    return json_response(
        {"config": sim.faults.config.to_dict(), "remaining": sim.faults.remaining()}
    )


def get_faults(sim: Simulator, request: Request) -> Response:
    return _faults_view(sim)


def set_faults(sim: Simulator, request: Request) -> Response:
    try:
        sim.set_faults(FaultConfig.from_dict(_json(request)))
    except ValueError as exc:
        raise AdminError(400, str(exc)) from None
    return _faults_view(sim)


def clear_faults(sim: Simulator, request: Request) -> Response:
    sim.set_faults(FaultConfig())
    return _faults_view(sim)


def expire_tokens(sim: Simulator, request: Request) -> Response:
    sim.tokens.expire_all()
    return json_response({"status": "every token expired"})


def get_rate_limit(sim: Simulator, request: Request) -> Response:
    return json_response({"per_second": sim.limiter.per_second})


def set_rate_limit(sim: Simulator, request: Request) -> Response:
    per_second = _body(request).integer("per_second")
    if per_second is not None and per_second < 1:
        raise AdminError(400, "per_second must be at least 1, or null for no limit")
    sim.limiter.per_second = per_second
    return json_response({"per_second": per_second})


_CLIENT = PREFIX + "/clients/<client_key>"
_MAP = Map(
    [
        Rule(PREFIX + "/health", endpoint=health, methods=["GET"]),
        Rule(PREFIX + "/reset", endpoint=reset, methods=["POST"]),
        Rule(PREFIX + "/clients", endpoint=list_clients, methods=["GET"]),
        Rule(PREFIX + "/clients", endpoint=create_client, methods=["POST"]),
        Rule(_CLIENT, endpoint=get_client, methods=["GET"]),
        Rule(_CLIENT + "/seed", endpoint=seed_client, methods=["POST"]),
        Rule(_CLIENT + "/accounts", endpoint=add_account, methods=["POST"]),
        Rule(_CLIENT + "/vat-codes", endpoint=add_vat_code, methods=["POST"]),
        Rule(_CLIENT + "/departments", endpoint=add_department, methods=["POST"]),
        Rule(_CLIENT + "/employees", endpoint=add_employee, methods=["POST"]),
        Rule(_CLIENT + "/suppliers", endpoint=add_supplier, methods=["POST"]),
        Rule(_CLIENT + "/lock-date", endpoint=set_lock_date, methods=["PUT"]),
        Rule(_CLIENT + "/privileges", endpoint=set_invalid_privileges, methods=["PUT"]),
        Rule(_CLIENT + "/supplier-vouchers", endpoint=add_supplier_voucher, methods=["POST"]),
        Rule(_CLIENT + "/journals", endpoint=add_journal, methods=["POST"]),
        Rule(
            _CLIENT + "/vouchers/<voucher_id>/reverse", endpoint=reverse_voucher, methods=["POST"]
        ),
        Rule(
            _CLIENT + "/vouchers/<voucher_id>/key-in-copy", endpoint=key_in_copy, methods=["POST"]
        ),
        Rule(_CLIENT + "/<collection>", endpoint=read_collection, methods=["GET"]),
        Rule(PREFIX + "/stats", endpoint=get_stats, methods=["GET"]),
        Rule(PREFIX + "/stats/reset", endpoint=reset_stats, methods=["POST"]),
        Rule(PREFIX + "/faults", endpoint=get_faults, methods=["GET"]),
        Rule(PREFIX + "/faults", endpoint=set_faults, methods=["PUT"]),
        Rule(PREFIX + "/faults", endpoint=clear_faults, methods=["DELETE"]),
        Rule(PREFIX + "/tokens/expire", endpoint=expire_tokens, methods=["POST"]),
        Rule(PREFIX + "/rate-limit", endpoint=get_rate_limit, methods=["GET"]),
        Rule(PREFIX + "/rate-limit", endpoint=set_rate_limit, methods=["PUT"]),
    ],
    strict_slashes=False,
)
