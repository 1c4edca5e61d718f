"""The gateway's keys and the OAuth2 client-credentials token endpoint.

A token names one client key, hence one PowerOffice Go client. `expires_in` is always the
configured TTL; a fault can make tokens die sooner than advertised (`lifetime_override`)
or all at once (`expire_all`), which is how a client's 401 handling is tested.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Collection

from werkzeug.wrappers import Request, Response

from sandbox.simulator.responses import gateway_error, json_response

DEFAULT_APPLICATION_KEY = "simulator-application-key"
DEFAULT_SUBSCRIPTION_KEY = "simulator-subscription-key"
DEFAULT_CLIENT_KEY = "simulator-client-key"
DEFAULT_TOKEN_TTL_SECONDS = 600
SUBSCRIPTION_HEADER = "Ocp-Apim-Subscription-Key"

INVALID_CLIENT = {
    "error": "invalid_client",
    "error_description": (
        "Client integration not found. Please ensure the provided keys are matching "
        "the desired environment."
    ),
}


class TokenService:
    """Live access tokens: token → (client key, issued at)."""

    def __init__(self, ttl_seconds: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_seconds = ttl_seconds
        self.lifetime_override: float | None = None
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens: dict[str, tuple[str, float]] = {}

    def issue(self, client_key: str) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[token] = (client_key, self._clock())
        return token

    def client_key(self, token: str) -> str | None:
        """The client key of a live token; None when unknown or expired."""
        with self._lock:
            entry = self._tokens.get(token)
            if entry is None:
                return None
            client_key, issued_at = entry
            lifetime = (
                self.ttl_seconds if self.lifetime_override is None else self.lifetime_override
            )
            if self._clock() - issued_at >= lifetime:
                del self._tokens[token]
                return None
            return client_key

    def expire_all(self) -> None:
        with self._lock:
            self._tokens.clear()


def subscription_key(request: Request) -> str | None:
    """The subscription key from the header or, as the gateway also allows, the query."""
    return request.headers.get(SUBSCRIPTION_HEADER) or request.args.get("subscription-key")


def subscription_refusal(key: str | None, accepted: Collection[str]) -> Response | None:
    """The gateway's 401 for a missing or unknown subscription key; None when it is fine."""
    if not key:
        return gateway_error(
            401,
            "Access denied due to missing subscription key. Make sure to include "
            "subscription key when making requests to an API.",
        )
    if key not in accepted:
        return gateway_error(
            401,
            "Access denied due to invalid subscription key. Make sure to provide a valid "
            "key for an active subscription.",
        )
    return None


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def unauthorized() -> Response:
    return gateway_error(
        401,
        "Unauthorized. Access token is missing or invalid.",
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


def token_endpoint(
    request: Request,
    *,
    application_keys: Collection[str],
    client_exists: Callable[[str], bool],
    tokens: TokenService,
) -> Response:
    """POST /OAuth/Token: Basic base64(applicationKey:clientKey), grant_type=client_credentials."""
    credentials = request.authorization
    if (
        credentials is None
        or credentials.type != "basic"
        or credentials.username not in application_keys
        or not client_exists(credentials.password or "")
    ):
        return json_response(INVALID_CLIENT, 400)
    if request.form.get("grant_type") != "client_credentials":
        body = {
            "error": "unsupported_grant_type",
            "error_description": "grant_type must be client_credentials.",
        }
        return json_response(body, 400)
    token = tokens.issue(credentials.password or "")
    return json_response(
        {"access_token": token, "token_type": "bearer", "expires_in": int(tokens.ttl_seconds)}
    )
