"""The warm-up: each active tenant's token and look-up tables renewed before they run out,
in the background lane, so that a burst of invoices pays only for vouchers, PDFs and real
changes, never for the cold start (a token and five tables: about 6 calls a tenant).

What is renewed is only what is in use: a token or a table still cached and due within
the horizon. One not cached is left alone: the tenant has not needed it (no projects, no
employees), or its key fails, and the next transfer that needs it loads it. So a tenant
whose key was revoked costs at most one refused token request before its token dies.

Each tenant's turn comes once every SYNC_WARMUP_INTERVAL_SECONDS, at its own place in
the interval (`scheduling.spread_offset`): beat runs the warm-up once a tick (a tenth of
the interval) and each run takes the tenants whose place falls in its tick, so 200
tenants never ask PowerOffice Go at once. A tenant is active while it has a message
received in the last SYNC_WARMUP_ACTIVE_DAYS; a quiet one's token and tables expire.

The calls go through a background client: they take a slot only when the transfers leave
it (`ratelimit`), so no transfer waits for the warm-up. The cost is about one token a
turn whose token would die before the next, and each table once a lifetime, per active
tenant: with 200 tenants, a 600 s token and the defaults, about 0.7 calls a second of
budget the transfers leave unused (a 1200 s token: one every third turn, about 0.25).

A tenant whose turn fails (its key, PowerOffice Go) is logged and the next one warmed;
nobody is e-mailed from here, as the transfer that meets the same failure reports it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from sqlalchemy import select

from config.settings import Settings, get_settings
from sync_worker.db.models import Message, Tenant, utcnow
from sync_worker.db.session import session_scope
from sync_worker.failures import as_sync_error
from sync_worker.poweroffice.client import PowerOfficeClient
from sync_worker.scheduling import spread_offset
from sync_worker.tenants import decrypt_client_key

log = logging.getLogger(__name__)

# Every look-up table a transfer reads, by its cache name, and how it is loaded afresh.
TABLES: dict[str, Callable[[PowerOfficeClient], Any]] = {
    "accounts": lambda client: client.accounts.by_number(refresh=True),
    "vat_codes": lambda client: client.vat_codes.by_code(refresh=True),
    "departments": lambda client: client.departments.by_code(refresh=True),
    "lock_date": lambda client: client.lock_date.get(refresh=True),
    "employees": lambda client: client.employees.list(refresh=True),
    "customer_number_series": lambda client: client.number_series.customer_numbers(refresh=True),
}


@dataclass(frozen=True)
class Warmed:
    """What one tenant's turn renewed."""

    token: bool
    tables: tuple[str, ...]

    @property
    def renewed(self) -> tuple[str, ...]:
        return ("token", *self.tables) if self.token else self.tables


def horizon_seconds(settings: Settings) -> float:
    """What runs out within this is renewed now: what would run out before the tenant's
    next turn, one interval later, give or take the tick it falls in. No further: a wider
    horizon renews a token that would have outlived the next turn, a call for nothing
    (two intervals renewed a 20-minute token every 10 minutes instead of every 15). A
    missed turn (a beat restart) costs the one transfer that meets it a token request."""
    return settings.warmup_interval_seconds + settings.warmup_tick_seconds


def warm_up(client: PowerOfficeClient, within_seconds: float) -> Warmed:
    """Renew the client's token and each look-up table in use that run out within
    `within_seconds`; a fresh one, or one not in use, costs no call."""
    token = client.renew_token_ahead(within_seconds)
    renewed = []
    for name, load_afresh in TABLES.items():
        left = client.lookups.expires_in(name)
        if left is not None and left <= within_seconds:
            load_afresh(client)
            renewed.append(name)
    return Warmed(token=token, tables=tuple(renewed))


def has_turn(code: str, now: dt.datetime, settings: Settings) -> bool:
    """Whether the tenant's place in the interval falls in the tick `now` is in."""
    interval = settings.warmup_interval_seconds
    tick = settings.warmup_tick_seconds
    place = spread_offset(f"warm-up:{code}", dt.timedelta(seconds=interval)).total_seconds()
    return int(place // tick) == int((now.timestamp() % interval) // tick)


def tenants_with_turn(now: dt.datetime, settings: Settings) -> list[Tenant]:
    """The active tenants whose turn it is."""
    if settings.warmup_active_days == 0:
        return []
    since = now - dt.timedelta(days=settings.warmup_active_days)
    with session_scope() as session:
        tenants = session.execute(select(Tenant.id, Tenant.code)).all()
        turn = [tenant_id for tenant_id, code in tenants if has_turn(code, now, settings)]
        if not turn:
            return []
        recent = (
            select(Message.id)
            .where(Message.tenant_id == Tenant.id, Message.received_at >= since)
            .exists()
        )
        query = select(Tenant).where(Tenant.id.in_(turn), recent).order_by(Tenant.code)
        return list(session.scalars(query))


def background_client(client_key: str) -> PowerOfficeClient:
    """A client that takes only the rate budget the transfers leave unused."""
    return PowerOfficeClient(client_key, background=True)


def run(
    now: dt.datetime | None = None,
    *,
    make_client: Callable[[str], PowerOfficeClient] = background_client,
) -> dict[str, Warmed]:
    """Warm up the tenants whose turn it is (beat, once a tick); what each one renewed,
    by tenant code. A tenant that fails is logged and left out; the others are warmed."""
    settings = get_settings()
    now = now or utcnow()
    within = horizon_seconds(settings)
    warmed = {}
    for tenant in tenants_with_turn(now, settings):
        try:
            warmed[tenant.code] = warm_up(make_client(decrypt_client_key(tenant)), within)
        except SoftTimeLimitExceeded:
            raise  # the run is over: the others' turns come again in one interval
        except Exception as exc:
            error = as_sync_error(exc, "the warm-up")
            log.warning("warm-up of tenant %s failed: %s", tenant.code, error)
            continue
        renewed = warmed[tenant.code].renewed
        if renewed:
            log.info("warm-up of tenant %s renewed %s", tenant.code, ", ".join(renewed))
    return warmed
