"""Every Redis key the client uses, in one place.

Keys carry a fingerprint (a truncated SHA-256) of the credentials, never the credentials:
anyone who can list Redis keys learns nothing they could log in with.
"""

from __future__ import annotations

import hashlib

PREFIX = "pogo"


def fingerprint(*secrets: str) -> str:
    """A stable, non-reversible name for a credential (or a combination of them)."""
    digest = hashlib.sha256("\x00".join(secrets).encode("utf-8")).hexdigest()
    return digest[:32]


def token(tenant: str) -> str:
    """The cached access token of one client key."""
    return f"{PREFIX}:token:{tenant}"


def token_lock(tenant: str) -> str:
    """Held by the one worker renewing a client key's token."""
    return f"{PREFIX}:token-lock:{tenant}"


def lookup(tenant: str, name: str) -> str:
    """One cached look-up table (accounts, VAT codes, …) of one client key."""
    return f"{PREFIX}:lookup:{tenant}:{name}"


def lookup_lock(tenant: str, name: str) -> str:
    """Held by the one worker loading a look-up table that is missing from the cache."""
    return f"{PREFIX}:lookup-lock:{tenant}:{name}"


def rate_window(subscription: str) -> str:
    """The send times of the last window, shared by everyone using a subscription key."""
    return f"{PREFIX}:rate:{subscription}"
