"""Access tokens: OAuth2 client credentials, cached in Redis, renewed by one worker at a time.

Every worker process of every tenant reads the token from Redis, so a tenant costs one
token request per token lifetime, not one per process. The token is renewed 60 s before
PowerOffice Go's `expires_in` runs out (a request must not leave with a token that dies
on the way). When it is missing or due, exactly one caller per client key renews it
while the others wait for its token (`single_flight`). The warm-up (`warmup`) renews a
token in use before it falls due (`renew_ahead`), so that no transfer waits for one.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from collections.abc import Callable
from functools import partial
from urllib.parse import urlsplit

import redis

from sync_worker.errors import TransientError
from sync_worker.poweroffice import keys
from sync_worker.poweroffice.single_flight import MISSING, SingleFlight
from sync_worker.poweroffice.transport import ApiResponse

log = logging.getLogger(__name__)

RENEW_BEFORE_EXPIRY_SECONDS = 60.0

Sender = Callable[..., ApiResponse]


class TokenSource:
    """Hands out a valid bearer token for one client key."""

    def __init__(
        self,
        *,
        tenant: str,
        application_key: str,
        client_key: str,
        subscription_key: str,
        token_url: str,
        redis_client: redis.Redis,
        send: Sender,
        lock_seconds: float,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._tenant = tenant
        self._cache_key = keys.token(tenant)
        self._lock_key = keys.token_lock(tenant)
        basic = base64.b64encode(f"{application_key}:{client_key}".encode()).decode("ascii")
        self._headers = {
            "Authorization": f"Basic {basic}",
            "Ocp-Apim-Subscription-Key": subscription_key,
            "Accept": "application/json",
        }
        self._token_url = token_url
        self._path = urlsplit(token_url).path
        self._operation = f"POST {self._path}"
        self._redis = redis_client
        self._send = send
        self._clock = clock
        self._flight = SingleFlight(redis_client, lock_seconds=lock_seconds, sleep=sleep)

    def __repr__(self) -> str:
        return f"TokenSource(tenant={self._tenant[:8]})"

    def token(self) -> str:
        """A token valid for at least another minute, renewed first if need be."""
        return self._flight.get(
            self._lock_key, self._cached, self._renew, timed_out=self._renewal_timed_out
        )

    def renew_ahead(self, within_seconds: float) -> bool:
        """Renew the cached token if it falls due within `within_seconds`; whether this
        call renewed it. No token cached is left so: none is in use (or the key fails),
        and the next call asks for one."""
        raw = self._redis.get(self._cache_key)
        if raw is None or self._clock() + within_seconds < json.loads(raw)["renew_at"]:
            return False
        due_soon = partial(self._cached, ahead=within_seconds)
        token = self._flight.get(
            self._lock_key, due_soon, self._renew, timed_out=self._renewal_timed_out
        )
        return token != json.loads(raw)["token"]

    def invalidate(self, token: str) -> None:
        """Forget `token` after a 401, unless another worker already replaced it."""
        raw = self._redis.get(self._cache_key)
        if raw is not None and json.loads(raw)["token"] == token:
            self._flight.delete_if_equal(self._cache_key, raw)

    def _cached(self, ahead: float = 0.0) -> str:
        """The cached token, or MISSING when there is none or it is due for renewal within
        `ahead` seconds."""
        raw = self._redis.get(self._cache_key)
        if raw is None:
            return MISSING
        entry = json.loads(raw)
        return entry["token"] if self._clock() + ahead < entry["renew_at"] else MISSING

    def _renewal_timed_out(self) -> str:
        raise TransientError(f"{self._operation}: token renewal by another worker timed out")

    def _renew(self) -> str:
        response = self._send(
            "POST",
            self._token_url,
            path=self._path,
            token_endpoint=True,
            headers=self._headers,
            data={"grant_type": "client_credentials"},
        )
        body = response.data
        if not isinstance(body, dict) or not body.get("access_token"):
            raise TransientError(f"{self._operation}: the answer carries no access_token")
        token, lifetime = str(body["access_token"]), float(body.get("expires_in") or 600)
        # A lifetime under two minutes would leave no time at all after the 60 s margin.
        renew_at = self._clock() + max(lifetime - RENEW_BEFORE_EXPIRY_SECONDS, lifetime / 2)
        entry = json.dumps({"token": token, "renew_at": renew_at})
        self._redis.set(self._cache_key, entry, px=max(1, round(lifetime * 1000)))
        log.info(
            "PowerOffice Go token renewed for client %s, valid %d s", self._tenant[:8], lifetime
        )
        return token
