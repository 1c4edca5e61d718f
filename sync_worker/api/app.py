"""The HTTP door: the WSGI application producers that are not Python call.

    POST /v1/messages                                  one message or an array of them
    GET  /v1/messages/{message_id}                     its status, transfer and history
    GET  /v1/tenants/{tenant}/transfers                ?status=failed&kind=invoice&limit=100
    POST /v1/tenants/{tenant}/expenses/claim           {"limit": 100}
    POST /v1/tenants/{tenant}/expenses/acknowledge     {"token": "…"} or {"ids": [1, 2]}
    GET  /v1/tenants/{tenant}/expenses/{id}/attachments/{number}
    GET  /v1/openapi.json                              the document describing all of it

Every call but the document's takes a tenant's bearer token (`auth`). The door is the
producer's and Moment's Python API over HTTP: a message is judged by `publish_many`,
word for word, and the expenses are `moment_api`'s claim and acknowledge. A token sees
its own tenant only: another tenant's message, transfers or expenses are not found (404),
exactly as if they did not exist, and a message naming another tenant is refused as one
whose tenant is not the token's, whether that tenant exists or not.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import uuid
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote

from sqlalchemy.exc import DBAPIError
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import (
    BadRequest,
    HTTPException,
    InternalServerError,
    NotFound,
    RequestEntityTooLarge,
    ServiceUnavailable,
    Unauthorized,
)
from werkzeug.routing import Map, MapAdapter, Rule
from werkzeug.wrappers import Request, Response

from sync_worker import kinds, operations
from sync_worker import logging as sync_logging
from sync_worker.api import auth, limits, openapi, store, views
from sync_worker.api.limits import ID_MAX, MAX_BODY_BYTES, Bounds
from sync_worker.db.models import SyncStatus
from sync_worker.db.session import database_problem
from sync_worker.expenses import moment_api
from sync_worker.poweroffice.limits import MEBIBYTE
from sync_worker.producer import publish_many
from sync_worker.schemas import json_text
from sync_worker.tenants import UnknownTenant

log = logging.getLogger(__name__)

REALM = "sync-worker"
MEDIA_TYPE = re.compile(r"[A-Za-z0-9][\w.+-]*/[A-Za-z0-9][\w.+-]*")
FALLBACK_MEDIA_TYPE = "application/octet-stream"
RETRY_AFTER_SECONDS = 30
# A claim's token as `moment_api` makes it: a UUID, written out.
CLAIM_TOKEN = re.compile(r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")

NOT_FOUND = "not found"  # the same words whether it exists for another tenant or not at all
_ID = f"int(min=1, max={ID_MAX})"

URLS = Map(
    [
        Rule("/v1/openapi.json", endpoint="openapi", methods=["GET"]),
        Rule("/v1/messages", endpoint="publish", methods=["POST"]),
        Rule("/v1/messages/<message_id>", endpoint="message", methods=["GET"]),
        Rule("/v1/tenants/<tenant>/transfers", endpoint="transfers", methods=["GET"]),
        Rule("/v1/tenants/<tenant>/expenses/claim", endpoint="claim", methods=["POST"]),
        Rule("/v1/tenants/<tenant>/expenses/acknowledge", endpoint="acknowledge", methods=["POST"]),
        Rule(
            f"/v1/tenants/<tenant>/expenses/<{_ID}:expense_id>/attachments/<{_ID}:number>",
            endpoint="attachment",
            methods=["GET"],
        ),
    ]
)


class DoorRequest(Request):
    max_content_length = MAX_BODY_BYTES


def application(environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
    """The WSGI entry point; each request in a context of its own, so what it binds for
    the logs never outlives it."""
    request = DoorRequest(environ)
    response = contextvars.copy_context().run(_answer, request)
    return response(environ, start_response)


def _answer(request: Request) -> Response:
    adapter = URLS.bind_to_environ(request.environ)
    try:
        endpoint, values = adapter.match()
        if endpoint == "openapi":
            return _json(openapi.document())
        caller = _caller(request)
        sync_logging.bind(tenant=caller.tenant)
        return _HANDLERS[endpoint](request, adapter, caller, **values)
    except HTTPException as exc:
        return _http_error(exc)
    except UnknownTenant:  # removed since its token was checked
        return _http_error(NotFound(NOT_FOUND))
    except DBAPIError as exc:
        problem = database_problem(exc)
        if problem is None:
            log.exception("the HTTP door failed on %s %s", request.method, request.path)
            return _http_error(InternalServerError("internal error; it has been logged"))
        log.error("the HTTP door cannot use the database: %s", problem)
        return _unavailable()
    except Exception:
        log.exception("the HTTP door failed on %s %s", request.method, request.path)
        return _http_error(InternalServerError("internal error; it has been logged"))


# --- authentication ------------------------------------------------------------------


def _caller(request: Request) -> auth.Caller:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise _unauthorized("send a tenant's API token: Authorization: Bearer <token>")
    caller = auth.authenticate(token)
    if caller is None:
        raise _unauthorized("the API token is unknown or revoked", error="invalid_token")
    return caller


def _unauthorized(text: str, *, error: str | None = None) -> Unauthorized:
    parameters = {"realm": REALM, **({"error": error} if error else {})}
    return Unauthorized(text, www_authenticate=WWWAuthenticate("bearer", parameters))


def _own(caller: auth.Caller, tenant: str) -> None:
    if tenant != caller.tenant:
        raise NotFound(NOT_FOUND)


# --- handlers --------------------------------------------------------------------------


def _publish(request: Request, adapter: MapAdapter, caller: auth.Caller) -> Response:
    body = _json_body(request)
    results = publish_many(body if isinstance(body, list) else [body], tenant=caller.tenant)
    answer = views.published(results)
    log.info(
        "HTTP door: %d message(s): %s",
        len(results),
        ", ".join(f"{answer[status]} {status}" for status in views.STATUSES),
    )
    return _json(answer)


def _message(
    request: Request, adapter: MapAdapter, caller: auth.Caller, message_id: str
) -> Response:
    try:
        canonical = str(uuid.UUID(message_id))
    except ValueError:
        raise NotFound(NOT_FOUND) from None
    found = store.find_message(caller.tenant_id, canonical)
    if found is None:
        raise NotFound(NOT_FOUND)
    return _json(views.message(found.message, found.state, found.history))


def _transfers(request: Request, adapter: MapAdapter, caller: auth.Caller, tenant: str) -> Response:
    _own(caller, tenant)
    states = operations.entity_states(
        caller.tenant,
        kind=_choice(request, "kind", kinds.names()),
        status=_choice(request, "status", [s.value for s in SyncStatus]),
        limit=_limit(request.args.get("limit"), "limit", limits.TRANSFERS),
    )
    return _json({"transfers": [views.transfer(state) for state in states]})


def _claim(request: Request, adapter: MapAdapter, caller: auth.Caller, tenant: str) -> Response:
    _own(caller, tenant)
    body = _json_body(request, required=False)
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise BadRequest('the body is a JSON object such as {"limit": 100}, or empty')
    limit = _limit(body.get("limit"), "limit", limits.CLAIM)
    batch = moment_api.claim_expenses(caller.tenant, limit)

    def url(expense_id: int, number: int) -> str:
        values = {"tenant": caller.tenant, "expense_id": expense_id, "number": number}
        return adapter.build("attachment", values)

    log.info("HTTP door: %d expense(s) claimed", len(batch))
    return _json(views.claimed(batch, url))


def _acknowledge(
    request: Request, adapter: MapAdapter, caller: auth.Caller, tenant: str
) -> Response:
    _own(caller, tenant)
    body = _json_body(request)
    if not isinstance(body, dict) or ("token" in body) == ("ids" in body):
        raise BadRequest(
            'the body is {"token": "<the claim\'s token>"} or {"ids": [<expense id>, ...]}'
        )
    if "token" in body:
        count = moment_api.acknowledge(caller.tenant, _claim_token(body["token"]))
    else:
        count = moment_api.acknowledge(caller.tenant, ids=_ids(body["ids"]))
    log.info("HTTP door: %d expense(s) acknowledged", count)
    return _json({"acknowledged": count})


def _attachment(
    request: Request,
    adapter: MapAdapter,
    caller: auth.Caller,
    tenant: str,
    expense_id: int,
    number: int,
) -> Response:
    _own(caller, tenant)
    found = store.find_attachment(caller.tenant_id, expense_id, number)
    if found is None:
        raise NotFound(NOT_FOUND)
    media_type = found.content_type if MEDIA_TYPE.fullmatch(found.content_type) else None
    return Response(
        found.content,
        content_type=media_type or FALLBACK_MEDIA_TYPE,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(found.filename)}",
            "ETag": f'"{found.sha256}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )


_HANDLERS: dict[str, Callable[..., Response]] = {
    "publish": _publish,
    "message": _message,
    "transfers": _transfers,
    "claim": _claim,
    "acknowledge": _acknowledge,
    "attachment": _attachment,
}


# --- reading a request -----------------------------------------------------------------


def _json_body(request: Request, *, required: bool = True) -> Any:
    """The body as JSON (repeated keys kept as a mark the contract refuses); None when it
    is empty and not `required`."""
    data = request.get_data(cache=False)
    if not data.strip():
        if required:
            raise BadRequest("the body is empty: send JSON")
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"the body is not UTF-8 text (byte {exc.start + 1})") from None
    try:
        return json_text.loads(text)
    except json.JSONDecodeError as exc:
        raise BadRequest(
            f"the body is not JSON ({exc.msg}, line {exc.lineno} column {exc.colno})"
        ) from None
    except ValueError as exc:  # e.g. an integer longer than Python converts
        raise BadRequest(f"the body is not JSON ({exc})") from None
    except RecursionError:
        raise BadRequest("the body is not JSON (nested too deep)") from None


def _choice(request: Request, name: str, allowed: Iterable[str]) -> str | None:
    value = request.args.get(name)
    allowed = list(allowed)
    if value is not None and value not in allowed:
        raise BadRequest(f"{name} must be one of: {', '.join(allowed)}")
    return value


def _limit(value: Any, name: str, bounds: Bounds) -> int:
    least, most = bounds.least, bounds.most
    if value is None:
        return bounds.default
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,9}", value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= most:
        raise BadRequest(f"{name} must be a whole number from {least} to {most}")
    return value


def _claim_token(value: Any) -> str:
    if not isinstance(value, str) or not CLAIM_TOKEN.fullmatch(value):
        raise BadRequest("token must be the token a claim answered with")
    return value.lower()


def _ids(value: Any) -> list[int]:
    if not isinstance(value, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) and 1 <= i <= ID_MAX for i in value
    ):
        raise BadRequest(f"ids must be an array of expense ids (whole numbers 1 to {ID_MAX})")
    return value


# --- answers ---------------------------------------------------------------------------


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    response = Response(
        json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json"
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers.update(headers or {})
    return response


def _http_error(exc: HTTPException) -> Response:
    if exc.code is None or exc.code < 400:  # a redirect (a trailing slash): as werkzeug says
        return exc.get_response()
    if isinstance(exc, RequestEntityTooLarge):
        text = (
            f"the body is larger than {MAX_BODY_BYTES // MEBIBYTE} MiB: send the messages "
            "in several requests"
        )
    elif isinstance(exc, NotFound):
        text = NOT_FOUND  # a path no route takes answers as a missing record does
    else:
        text = exc.description or exc.name
    headers = {name: value for name, value in exc.get_headers() if name.lower() != "content-type"}
    return _json(views.error(text), exc.code, headers)


def _unavailable() -> Response:
    return _json(
        views.error("the service cannot reach its database; try again shortly"),
        ServiceUnavailable.code,
        {"Retry-After": str(RETRY_AFTER_SECONDS)},
    )
