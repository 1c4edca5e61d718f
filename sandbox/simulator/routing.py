"""Routes and the context a handler runs in.

PowerOffice Go is reached at `/v2/...` and `/Demo/v2/...` (token: `/OAuth/Token`,
`/Demo/OAuth/Token`) and clients mix the casing, so paths are matched lowercased with
an optional `/Demo` in front. Routes are written in PowerOffice Go's own casing, which is
also how the statistics name them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from sandbox.simulator import jsonio
from sandbox.simulator.query import Query
from sandbox.simulator.responses import ApiError
from sandbox.simulator.store import ClientState

API_PREFIX = "/v2"
DEMO_PREFIX = "/demo"
JSON_PATCH = "application/json-patch+json"


def _strip(path: str, prefix: str) -> str:
    if path == prefix or path.startswith(prefix + "/"):
        return path[len(prefix) :] or "/"
    return path


def without_demo(path: str) -> str:
    """'/Demo/v2/Customers' → '/v2/customers'."""
    return _strip(path.lower(), DEMO_PREFIX)


def api_relative(path: str) -> str:
    """'/Demo/v2/Vouchers/X' → '/vouchers/x' (the token path stays '/oauth/token')."""
    return _strip(without_demo(path), API_PREFIX)


@dataclass(frozen=True)
class Context:
    """What an API handler gets: the request and the client its token selected."""

    request: Request
    client: ClientState

    @cached_property
    def query(self) -> Query:
        return Query(self.request.args)

    def json(self) -> Any:
        mimetype = self.request.mimetype
        if mimetype not in ("application/json", "text/json") and not mimetype.endswith("+json"):
            raise _unsupported(mimetype, "application/json")
        return self._parsed()

    def json_patch(self) -> Any:
        if self.request.mimetype != JSON_PATCH:
            raise _unsupported(self.request.mimetype, JSON_PATCH)
        return self._parsed()

    def _parsed(self) -> Any:
        try:
            return jsonio.loads(self.request.get_data())
        except ValueError as exc:
            raise ApiError(
                400, "One or more validation errors occurred.", f"The body is not valid JSON: {exc}"
            ) from None


def _unsupported(mimetype: str, expected: str) -> ApiError:
    return ApiError(
        415,
        "Unsupported Media Type",
        f"Content-Type '{mimetype}' is not supported; use {expected}.",
    )


Handler = Callable[..., Response]
_PLACEHOLDER = re.compile(r"<(?:\w+:)?(\w+)>")
_BRACED = r"{\1}"


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # werkzeug rule syntax in PowerOffice Go's casing: "/Customers/<int:customer_id>"
    handler: Handler
    needs_token: bool = True

    def under(self, prefix: str) -> Route:
        return Route(self.method, prefix + self.path, self.handler, self.needs_token)

    @property
    def label(self) -> str:
        """'GET /v2/Customers/{customer_id}': how statistics name the endpoint."""
        return f"{self.method} {_PLACEHOLDER.sub(_BRACED, self.path)}"


class RouteTable:
    def __init__(self, routes: Iterable[Route]) -> None:
        rules = [
            Rule(route.path.lower(), endpoint=route, methods=[route.method]) for route in routes
        ]
        self._map = Map(rules, strict_slashes=False)

    def match(self, path: str, method: str) -> tuple[Route, dict[str, Any]]:
        """The route and its path arguments; 404/405 as `ApiError`."""
        try:
            return self._map.bind("simulator").match(without_demo(path), method)
        except NotFound:
            raise ApiError(404, "Not Found", f"There is no endpoint {path}.") from None
        except MethodNotAllowed:
            raise ApiError(
                405, "Method Not Allowed", f"{method} is not allowed on {path}."
            ) from None
