"""The per-entity lock: one worker at a time, re-entrant only where asked."""

from __future__ import annotations

import threading

import pytest

from sync_worker.errors import EntityBusy
from sync_worker.locks import advisory_lock


def hold_in_another_thread(release: threading.Event, taken: threading.Event) -> threading.Thread:
    def hold() -> None:
        with advisory_lock("entity", 1, "customer:10001"):
            taken.set()
            release.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    taken.wait(10)
    return thread


def test_a_second_worker_is_told_the_entity_is_busy(clean_db):
    release, taken = threading.Event(), threading.Event()
    thread = hold_in_another_thread(release, taken)
    try:
        with (
            pytest.raises(EntityBusy, match="customer:10001"),
            advisory_lock("entity", 1, "customer:10001", wait_seconds=0.3),
        ):
            pass
    finally:
        release.set()
        thread.join()
    with advisory_lock("entity", 1, "customer:10001", wait_seconds=0.3):
        pass  # free again once released


def test_reentrant_only_when_asked(clean_db):
    with advisory_lock("entity", 1, "customer:10001"):
        with advisory_lock("entity", 1, "customer:10001", reentrant=True):
            pass
        with (
            pytest.raises(EntityBusy),
            advisory_lock("entity", 1, "customer:10001", wait_seconds=0.3),
        ):
            pass


def test_other_entities_and_tenants_do_not_wait(clean_db):
    with (
        advisory_lock("entity", 1, "customer:10001"),
        advisory_lock("entity", 1, "customer:10002", wait_seconds=0.3),
        advisory_lock("entity", 2, "customer:10001", wait_seconds=0.3),
    ):
        pass
