"""The HTTP door's bearer tokens: one tenant's each, shown once, stored as a SHA-256 hash.

A token is `swk_` and 43 URL-safe characters from `secrets.token_urlsafe` (256 bits); the
prefix lets a secret scanner recognise one that leaked. Only its hash is stored, so a
request is authenticated by looking the hash up: the database never holds, and nothing
ever logs, the token itself. A revoked token is refused from the next request on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import or_, select, update

from sync_worker.db.models import ApiToken, Tenant, utcnow
from sync_worker.db.session import session_scope
from sync_worker.errors import PermanentError
from sync_worker.tenants import get_tenant

TOKEN_PREFIX = "swk_"  # noqa: S105 (a prefix, not a token)
TOKEN_BYTES = 32
# `last_used_at` says when a token was last used, to this precision: one write a minute
# per token, not one per request.
LAST_USED_PRECISION = dt.timedelta(minutes=1)
NAME_LENGTH = ApiToken.__table__.c.name.type.length


class UnknownToken(PermanentError):
    """No token has this id."""


@dataclass(frozen=True)
class Caller:
    """Who a valid token speaks for."""

    token_id: int
    tenant_id: int
    tenant: str  # the tenant's code


@dataclass(frozen=True)
class TokenInfo:
    """A stored token as an operator sees it: never the token, nor its hash."""

    id: int
    tenant: str
    name: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def create_token(tenant_code: str, name: str = "") -> tuple[TokenInfo, str]:
    """A new token for the tenant: what is stored, and the token itself, to show once."""
    if len(name) > NAME_LENGTH:
        raise ValueError(f"a token's name is at most {NAME_LENGTH} characters")
    token = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    with session_scope() as session:
        tenant = get_tenant(session, tenant_code)
        row = ApiToken(tenant_id=tenant.id, token_hash=hash_token(token), name=name)
        session.add(row)
        session.flush()
        return _info(row, tenant.code), token


def revoke_token(token_id: int) -> TokenInfo:
    """Revoke a token by its id; revoking one already revoked keeps its first time."""
    with session_scope() as session:
        row = session.get(ApiToken, token_id)
        if row is None:
            raise UnknownToken(f"no API token has id {token_id}: see `sync-worker api token list`")
        if row.revoked_at is None:
            row.revoked_at = utcnow()
        return _info(row, row.tenant.code)


def list_tokens(tenant_code: str) -> list[TokenInfo]:
    with session_scope() as session:
        tenant = get_tenant(session, tenant_code)
        rows = session.scalars(
            select(ApiToken).where(ApiToken.tenant_id == tenant.id).order_by(ApiToken.id)
        )
        return [_info(row, tenant.code) for row in rows]


def authenticate(token: str) -> Caller | None:
    """The caller a token speaks for, or None when it is unknown or revoked."""
    now = utcnow()
    with session_scope() as session:
        found = session.execute(
            select(ApiToken.id, Tenant.id, Tenant.code)
            .join(Tenant, Tenant.id == ApiToken.tenant_id)
            .where(ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None))
        ).first()
        if found is None:
            return None
        token_id, tenant_id, code = found
        session.execute(
            update(ApiToken)
            .where(
                ApiToken.id == token_id,
                or_(
                    ApiToken.last_used_at.is_(None),
                    ApiToken.last_used_at < now - LAST_USED_PRECISION,
                ),
            )
            .values(last_used_at=now)
        )
    return Caller(token_id, tenant_id, code)


def _info(row: ApiToken, tenant_code: str) -> TokenInfo:
    return TokenInfo(
        row.id, tenant_code, row.name, row.created_at, row.last_used_at, row.revoked_at
    )
