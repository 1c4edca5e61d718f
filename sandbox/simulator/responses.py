"""Answers in PowerOffice Go's shapes: JSON bodies, 204s and RFC 7807 ProblemDetails.

Two error shapes exist because two layers answer: the API itself (ASP.NET, ProblemDetails)
and the Azure API Management gateway in front of it (`{"statusCode", "message"}` for a
missing subscription key, a bad token or the rate limit). A third comes only as a fault:
the HTML page of a proxy or load balancer in front of both.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from werkzeug.wrappers import Response

from sandbox.simulator import jsonio

JSON = "application/json; charset=utf-8"
PROBLEM_JSON = "application/problem+json; charset=utf-8"
HTML = "text/html; charset=utf-8"

_RFC9110 = "https://tools.ietf.org/html/rfc9110#section-"
_PROBLEM_TYPES = {
    400: _RFC9110 + "15.5.1",
    401: _RFC9110 + "15.5.2",
    404: _RFC9110 + "15.5.5",
    405: _RFC9110 + "15.5.6",
    409: _RFC9110 + "15.5.10",
    413: _RFC9110 + "15.5.14",
    415: _RFC9110 + "15.5.16",
    500: _RFC9110 + "15.6.1",
    503: _RFC9110 + "15.6.4",
}


class ApiError(Exception):
    """A refusal that becomes a ProblemDetails answer."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(f"{status} {title}: {detail}")
        self.status = status
        self.title = title
        self.detail = detail


def validation_error(entity: str, detail: str) -> ApiError:
    """400 in PowerOffice Go's wording: title "<Entity> validation error(s)"."""
    return ApiError(400, f"{entity} validation error(s)", detail)


def spec_refusal(path: str, problems: list[str]) -> ApiError:
    """The answer to a request PowerOffice Go's published OpenAPI refuses (sandbox/openapi):
    415 for a content type the operation does not take, 400 for the rest — a parameter
    problem in the wording of a bad resourceParameter, anything else as a validation error
    of the entity the path names ("/Customers/12" → "Customer")."""
    detail = "; ".join(problems)
    if any(problem.startswith("content type") for problem in problems):
        return ApiError(415, "Unsupported Media Type", detail)
    if all(problem.startswith(("query", "path")) for problem in problems):
        return bad_parameter(detail)
    entity = path.strip("/").split("/", 1)[0].removesuffix("s") or "Request"
    return validation_error(entity, detail)


def not_found(detail: str) -> ApiError:
    return ApiError(404, "Object(s) not found", detail)


def bad_parameter(detail: str) -> ApiError:
    """A malformed query parameter (PowerOffice Go calls the query a resourceParameter)."""
    return ApiError(400, "Invalid resourceParameter", detail)


def json_response(
    data: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    return Response(jsonio.dumps(data), status=status, headers=headers, content_type=JSON)


def no_content() -> Response:
    return Response(status=204)


def problem(error: ApiError) -> Response:
    body = {
        "type": _PROBLEM_TYPES.get(error.status, "about:blank"),
        "title": error.title,
        "status": error.status,
        "detail": error.detail,
        "traceId": f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-00",
    }
    return Response(jsonio.dumps(body), status=error.status, content_type=PROBLEM_JSON)


def gateway_error(
    status: int,
    message: str,
    *,
    status_as_text: bool = False,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """An answer of the API gateway. Its 429 writes the status as a string (documented)."""
    body = {"statusCode": str(status) if status_as_text else status, "message": message}
    return json_response(body, status, headers=headers)


def gateway_page(status: int) -> Response:
    """A proxy's own HTML page, as an Application Gateway or nginx sends it (injected fault)."""
    heading = f"{status} {HTTPStatus(status).phrase}"
    page = (
        f"<!DOCTYPE html>\n<html><head><title>{heading}</title></head>\n"
        f"<body><center><h1>{heading}</h1></center>\n"
        "<hr><center>gateway (simulated fault)</center></body></html>\n"
    )
    return Response(page, status=status, content_type=HTML)


def truncated(response: Response) -> Response:
    """`response` with the first half of its body only, as a gateway that cut it passes it
    on: a complete HTTP answer (its Content-Length is the cut body's) of broken JSON."""
    body = response.get_data()
    response.set_data(body[: len(body) // 2])
    return response
