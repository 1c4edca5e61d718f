"""The month-end benchmark's fairness figure (`benchmarks.month_end.shares_by_fill`): each
tenant's turns against the max-min even split of every fill among the tenants waiting."""

from __future__ import annotations

from benchmarks.month_end import shares_by_fill


def test_two_backlogs_served_in_turn_each_get_their_even_split():
    periods = {
        "a": [(0.0, 1.0), (0.0, 2.0), (0.0, 3.0)],
        "b": [(0.0, 1.0), (0.0, 2.0), (0.0, 3.0)],
    }

    shares = shares_by_fill(periods)

    assert (
        shares["a"]
        == shares["b"]
        == {
            "turns": 3,
            "fair_turns": 3.0,
            "deficit": 0.0,
            "ratio": 1.0,
        }
    )


def test_a_tenant_passed_over_while_waiting_is_short_of_its_share():
    # The first fill gives both turns to a, although b waited as long.
    periods = {"a": [(0.0, 1.0), (0.0, 1.0)], "b": [(0.0, 2.0), (0.0, 2.0)]}

    shares = shares_by_fill(periods)

    assert (shares["a"]["turns"], shares["a"]["fair_turns"]) == (2, 1.0)
    assert (shares["b"]["turns"], shares["b"]["fair_turns"]) == (2, 3.0)
    assert shares["b"]["deficit"] == 1.0
    assert shares["b"]["ratio"] == 0.667


def test_a_tenant_with_less_waiting_than_the_even_split_is_owed_only_that():
    # One fill of four turns: a has one message waiting, b five; b's three are its share.
    periods = {"a": [(0.0, 1.0)], "b": [(0.0, 1.0)] * 3 + [(0.0, 2.0)] * 2}

    shares = shares_by_fill(periods)

    assert shares["a"]["fair_turns"] == 1.0
    assert shares["b"]["fair_turns"] == 5.0
    assert shares["a"]["ratio"] == shares["b"]["ratio"] == 1.0


def test_a_tenant_is_not_owed_turns_of_fills_before_its_message_came():
    periods = {"a": [(0.0, 1.0), (0.0, 2.0)], "b": [(1.5, 2.0)]}

    shares = shares_by_fill(periods)

    assert shares["b"]["fair_turns"] == 1.0
    assert shares["a"]["fair_turns"] == 2.0
