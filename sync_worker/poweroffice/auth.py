"""Access tokens: OAuth2 client credentials, cached in Redis, renewed by one worker at a time.

Every worker process of every tenant reads the token from Redis, so a tenant costs one
token request per token lifetime, not one per process. The token is renewed 60 s before
PowerOffice Go's `expires_in` runs out (a request must not leave with a token that dies
on the way). When it is missing or due, exactly one caller per client key renews it,
holding a Redis lock (SET NX PX); the others poll the cache until the new token is there.
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import redis

from sync_worker.errors import TransientError
from sync_worker.poweroffice import keys
from sync_worker.poweroffice.transport import ApiResponse

log = logging.getLogger(__name__)

RENEW_BEFORE_EXPIRY_SECONDS = 60.0
POLL_SECONDS = 0.05

# Delete a key only if it still holds what the caller saw: a lock we own, a token that
# failed. Without the check one worker would delete another's fresh value.
_DELETE_IF_EQUAL = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""

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
        self._lock_ms = round(lock_seconds * 1000)
        self._max_polls = int((lock_seconds + 1) / POLL_SECONDS)
        self._clock = clock
        self._sleep = sleep
        self._delete_if_equal = redis_client.register_script(_DELETE_IF_EQUAL)

    def __repr__(self) -> str:
        return f"TokenSource(tenant={self._tenant[:8]})"

    def token(self) -> str:
        """A token valid for at least another minute, renewed first if need be."""
        for _ in range(self._max_polls):
            cached = self._cached()
            if cached is not None:
                return cached
            if (renewed := self._renew_if_first()) is not None:
                return renewed
            self._sleep(POLL_SECONDS)  # another worker is renewing: wait for its token
        raise TransientError(f"{self._operation}: token renewal by another worker timed out")

    def invalidate(self, token: str) -> None:
        """Forget `token` after a 401, unless another worker already replaced it."""
        raw = self._redis.get(self._cache_key)
        if raw is not None and json.loads(raw)["token"] == token:
            self._delete_if_equal(keys=[self._cache_key], args=[raw])

    def _cached(self) -> str | None:
        raw = self._redis.get(self._cache_key)
        if raw is None:
            return None
        entry = json.loads(raw)
        return entry["token"] if self._clock() < entry["renew_at"] else None

    def _renew_if_first(self) -> str | None:
        owner = secrets.token_hex(8)
        if not self._redis.set(self._lock_key, owner, nx=True, px=self._lock_ms):
            return None
        try:
            # The previous holder may have stored a token between our read and our lock.
            return self._cached() or self._renew()
        finally:
            self._delete_if_equal(keys=[self._lock_key], args=[owner])

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
