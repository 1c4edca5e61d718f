"""The simulator as a WSGI application: PowerOffice Go's v2 API behind a gateway, plus
the admin API under `/_admin`.

An API request passes, in order: arrival (statistics), injected transit jitter, routing, a
proxy in front of everything (an injected HTML page answers instead), the gateway
(subscription key, injected 429 burst, rate limit, injected 5xx), injected latency (the
answer time, after the gateway: a gateway counts a request when it arrives, as Azure API
Management's rate-limit policy does, before the backend), the bearer token, the
published v2 OpenAPI (a request it refuses is answered 400 here, whatever the handler
would do), the integration's privileges (403), and the handler, which runs holding the
store's lock. A 2xx write can then have its response "lost": the connection is closed
with nothing sent; or a 2xx with a body have it cut short on the way (injected faults).
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterable
from http import HTTPStatus
from typing import Any

from werkzeug.wrappers import Request, Response

from sandbox.openapi import validate_request
from sandbox.simulator import admin
from sandbox.simulator.auth import (
    DEFAULT_APPLICATION_KEY,
    DEFAULT_SUBSCRIPTION_KEY,
    DEFAULT_TOKEN_TTL_SECONDS,
    TokenService,
    bearer_token,
    subscription_key,
    subscription_refusal,
    token_endpoint,
    unauthorized,
)
from sandbox.simulator.faults import FaultConfig, FaultInjector
from sandbox.simulator.ratelimit import (
    DEFAULT_RATE_LIMIT,
    SlidingWindowLimiter,
    too_many_requests,
)
from sandbox.simulator.resources import ROUTES
from sandbox.simulator.resources.integration import refuse_without_privilege
from sandbox.simulator.responses import ApiError, gateway_page, problem, spec_refusal, truncated
from sandbox.simulator.routing import API_PREFIX, Context, Route, RouteTable, api_relative
from sandbox.simulator.stats import CONNECTION_CLOSED, GATEWAY_PAGE, TRUNCATED, RequestStats
from sandbox.simulator.store import ClientState, Store

log = logging.getLogger(__name__)

TOKEN_PATH = "/OAuth/Token"  # noqa: S105 - a path, not a secret


class Simulator:
    """PowerOffice Go v2 in memory. Call it as a WSGI app; `SimulatorServer` serves it."""

    def __init__(
        self,
        *,
        rate_limit: int | None = DEFAULT_RATE_LIMIT,
        token_ttl: int = DEFAULT_TOKEN_TTL_SECONDS,
        application_keys: Iterable[str] = (DEFAULT_APPLICATION_KEY,),
        subscription_keys: Iterable[str] = (DEFAULT_SUBSCRIPTION_KEY,),
        faults: FaultConfig | None = None,
    ) -> None:
        self.store = Store()
        self.tokens = TokenService(token_ttl)
        self.limiter = SlidingWindowLimiter(rate_limit)
        self.faults = FaultInjector()
        self.stats = RequestStats()
        self.application_keys = set(application_keys)
        self.subscription_keys = set(subscription_keys)
        self._initial_rate_limit = rate_limit
        token_route = Route("POST", TOKEN_PATH, self._issue_token, needs_token=False)
        self._routes = RouteTable([token_route, *(route.under(API_PREFIX) for route in ROUTES)])
        self.set_faults(faults or FaultConfig())

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        if request.path.startswith(admin.PREFIX):
            response = admin.dispatch(self, request)
        else:
            response = self._serve_api(request)
        return response(environ, start_response)

    def set_faults(self, config: FaultConfig) -> None:
        self.faults.configure(config)
        self.tokens.lifetime_override = config.token_lifetime_seconds

    def reset(self) -> None:
        """Back to the state at start: no clients, tokens, statistics or faults."""
        with self.store.transaction():
            self.store.clear()
        self.tokens.expire_all()
        self.stats.reset()
        self.limiter.reset()
        self.limiter.per_second = self._initial_rate_limit
        self.set_faults(FaultConfig())

    def _serve_api(self, request: Request) -> Response:
        key = subscription_key(request)
        self.stats.arrived(key)
        _pause(self.faults.transit_seconds())
        try:
            route, args = self._routes.match(request.path, request.method)
        except ApiError as error:
            self.stats.answered(f"{request.method} (no route)", error.status)
            return problem(error)
        method, path = request.method, api_relative(request.path)
        page_status = self.faults.take_gateway_page(method, path)
        if page_status is not None:
            # A proxy in front answered: neither the rate limit nor PowerOffice Go saw it.
            self.stats.answered(route.label, GATEWAY_PAGE)
            return gateway_page(page_status)
        refusal = self._gateway(request, key)
        _pause(self.faults.delay_seconds())
        response = refusal or self._handle(request, route, args)
        outcome: int | str = response.status_code
        if response.status_code < 300 and self.faults.take_lost_response(method, path):
            _drop_connection(request.environ)
            outcome = CONNECTION_CLOSED
        elif (
            response.status_code < 300
            and response.get_data()
            and self.faults.take_truncation(method, path)
        ):
            response, outcome = truncated(response), TRUNCATED
        self.stats.answered(route.label, outcome)
        return response

    def _gateway(self, request: Request, key: str | None) -> Response | None:
        """What the API gateway answers before PowerOffice Go sees the request, if anything."""
        refusal = subscription_refusal(key, self.subscription_keys)
        if refusal is not None:
            return refusal
        if self.faults.take_rate_limit_burst() or not self.limiter.admit(key or ""):
            return too_many_requests()
        status = self.faults.take_error(request.method, api_relative(request.path))
        if status is not None:
            detail = "Injected fault: the simulator answers this request with a server error."
            return problem(ApiError(status, HTTPStatus(status).phrase, detail))
        return None

    def _handle(self, request: Request, route: Route, args: dict[str, Any]) -> Response:
        try:
            with self.store.transaction():
                if not route.needs_token:
                    return route.handler(request)
                client = self._client(request)
                if client is None:
                    return unauthorized()
                _check_against_spec(request)
                refuse_without_privilege(api_relative(request.path), client)
                return route.handler(Context(request, client), **args)
        except ApiError as error:
            return problem(error)
        except Exception:
            # A bug in the simulator must be loud, but still answer like a server would.
            log.exception("simulator failed on %s %s", request.method, request.path)
            return problem(ApiError(500, "Internal Server Error", "The simulator failed."))

    def _client(self, request: Request) -> ClientState | None:
        token = bearer_token(request)
        client_key = self.tokens.client_key(token) if token else None
        return self.store.client(client_key) if client_key else None

    def _issue_token(self, request: Request) -> Response:
        return token_endpoint(
            request,
            application_keys=self.application_keys,
            client_exists=lambda client_key: self.store.client(client_key) is not None,
            tokens=self.tokens,
        )


def _check_against_spec(request: Request) -> None:
    """Raise the 400 of a request the published v2 OpenAPI refuses (the token endpoint and
    the admin API never come here)."""
    # The path as the client cased it ("/Demo/v2/Customers/12" → "/Customers/12").
    path = request.path[len(request.path) - len(api_relative(request.path)) :]
    query = {name: request.args.getlist(name) for name in request.args}
    # get_data caches the body, so a handler still reads the multipart files from it.
    body = request.get_data()
    problems = validate_request(request.method, path, query, body, request.content_type)
    if problems:
        raise spec_refusal(path, problems)


def _drop_connection(environ: dict[str, Any]) -> None:
    """Close the TCP connection with no answer. werkzeug's server then fails to write the
    status line (broken pipe), takes it for a client that went away, and sends nothing."""
    connection = environ.get("werkzeug.socket")
    if connection is None:
        raise RuntimeError("losing a response needs werkzeug's server (environ['werkzeug.socket'])")
    connection.shutdown(socket.SHUT_RDWR)


def _pause(seconds: float) -> None:
    if seconds:
        time.sleep(seconds)
