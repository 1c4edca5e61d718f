"""Several worker processes share PowerOffice Go's budget through the limiter in real Redis,
and the simulator, enforcing 10 requests per second per subscription key, proves it: no
one-second window ever held more than 10 of their requests, none was refused with 429, and
no call failed. Background clients (the expense import) share that budget without slowing
the foreground (transfers) beyond what the limit itself forces.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from redis import Redis

from sandbox.simulator import SimulatorAdmin
from sandbox.simulator.auth import DEFAULT_APPLICATION_KEY
from sync_worker.poweroffice.ratelimit import WINDOW_SECONDS
from tests.contract.helpers import (
    REDIS_DB,
    SimulatorProcess,
    forget_tenant,
    pogo_environment,
    simulator_process,
)
from tests.contract.processes import Job, Report, run

LIMIT = 10
PROCESSES = 4
CALLS = 12  # per process: 4 × (12 + 1 token) = 52 requests, over 5 s at 10 per second
FOREGROUND_CALLS = 12
BACKGROUND_CALLS = 8
HEAD_START_SECONDS = 1.2  # the import is already using its share when transfers arrive
# Scheduling noise on a busy test machine; well below one window.
SLACK_SECONDS = 0.4


@pytest.fixture(scope="module")
def simulator() -> Iterator[SimulatorProcess]:
    """The gateway's limit on, at PowerOffice Go's 10 per second, in a process of its own:
    in this one, a garbage collection of the test session's heap (tens of ms) could hold
    arrivals back and bunch them, which PowerOffice Go's gateway does not do."""
    with simulator_process("--rate-limit", str(LIMIT)) as server:
        yield server


@dataclass
class Platform:
    """One subscription key shared by every worker process; one tenant per process.

    Each `Platform` has a key of its own, so its Redis budget and the simulator's window
    count start empty, whatever ran before.
    """

    simulator: SimulatorProcess
    redis_url: str
    subscription_key: str = field(default_factory=lambda: f"contract-sub-{uuid.uuid4().hex}")
    client_keys: list[str] = field(default_factory=list)

    def jobs(
        self, count: int, calls: int, *, background: bool = False, delay: float = 0.0
    ) -> list[Job]:
        return [self._job(calls, background, delay) for _ in range(count)]

    def _job(self, calls: int, background: bool, delay: float) -> Job:
        key = f"contract-{uuid.uuid4().hex[:12]}"
        self.simulator.admin.create_client(key, subscription_key=self.subscription_key)
        self.client_keys.append(key)
        environment = pogo_environment(
            self.simulator.api_base_url,
            self.simulator.token_url,
            POGO_SUBSCRIPTION_KEY=self.subscription_key,
            POGO_RATE_LIMIT_PER_SECOND=str(LIMIT),
        )
        return Job(environment, self.redis_url, key, calls, background, delay)


@pytest.fixture
def new_platform(
    simulator: SimulatorProcess, admin: SimulatorAdmin, redis_base_url: str, redis_client: Redis
) -> Iterator[Callable[[], Platform]]:
    platforms: list[Platform] = []

    def create() -> Platform:
        admin.reset_stats()  # statistics by status are for the whole simulator
        platforms.append(Platform(simulator, f"{redis_base_url}/{REDIS_DB}"))
        return platforms[-1]

    yield create
    for platform in platforms:
        for key in platform.client_keys:
            forget_tenant(redis_client, DEFAULT_APPLICATION_KEY, key)


def failures(reports: list[Report]) -> list[str]:
    return [failure for report in reports for failure in report.failures]


def span(reports: list[Report]) -> float:
    """From the first call's start to the last call's answer."""
    return max(r.ended for r in reports) - min(r.began for r in reports)


def check_within_budget(admin: SimulatorAdmin, platform: Platform, reports: list[Report]) -> int:
    """Every call succeeded and the simulator never saw more than the limit, so no 429;
    the busiest window's count back."""
    assert failures(reports) == []
    stats = admin.stats()
    assert stats["by_status"] == {"200": len(reports), "204": sum(len(r.done_at) for r in reports)}
    assert stats["total_requests"] == sum(r.requests for r in reports)
    busiest = admin.max_requests_per_window(platform.subscription_key)
    assert busiest <= LIMIT
    return busiest


def test_worker_processes_stay_within_the_gateway_limit(new_platform, admin):
    platform = new_platform()

    reports = run(platform.jobs(PROCESSES, CALLS))

    busiest = check_within_budget(admin, platform, reports)
    requests = sum(r.requests for r in reports)
    assert requests == PROCESSES * (CALLS + 1)
    # The limit was binding: unthrottled, these requests take a fraction of a second.
    assert span(reports) >= (requests - LIMIT) / LIMIT
    print(f"{requests} requests, {span(reports):.2f} s, at most {busiest} in a window")


def test_background_clients_leave_foreground_calls_their_pace(new_platform, admin):
    baseline = new_platform()
    alone = run(baseline.jobs(2, FOREGROUND_CALLS))
    check_within_budget(admin, baseline, alone)

    shared = new_platform()
    background = shared.jobs(2, BACKGROUND_CALLS, background=True)
    foreground = shared.jobs(2, FOREGROUND_CALLS, delay=HEAD_START_SECONDS)
    reports = run(background + foreground)

    busiest = check_within_budget(admin, shared, reports)
    transfers = [r for r in reports if not r.background]
    imports = [r for r in reports if r.background]
    # What the limit forces: the import's share already taken in the window the transfers
    # arrive in (at most one window's worth); beyond that, the transfers keep their pace.
    assert span(transfers) <= span(alone) + WINDOW_SECONDS + SLACK_SECONDS
    assert all(len(r.done_at) == BACKGROUND_CALLS for r in imports)
    during = sum(
        min(r.began for r in transfers) <= t <= max(r.ended for r in transfers)
        for r in imports
        for t in r.done_at
    )
    print(
        f"foreground alone {span(alone):.2f} s, with background {span(transfers):.2f} s; "
        f"{during} background calls during the foreground's; at most {busiest} in a window"
    )
