from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync_worker.norway import (
    OSLO,
    is_valid_kid,
    is_valid_organization_number,
    kid_mod10_check_digit,
    ore,
    organization_number_check_digit,
    today_in_oslo,
)


def digits(min_size: int, max_size: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=min_size, max_size=max_size)


def with_one_digit_changed(number: str, position: int, shift: int) -> str:
    changed = str((int(number[position]) + shift) % 10)
    return number[:position] + changed + number[position + 1 :]


# --- organisation numbers ------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "123456785",  # Brønnøysund's own example
        "923609016",  # the contract's example
        "974760673",  # Brønnøysundregistrene
        "100000040",  # MOD11 remainder 0 gives check digit 0
    ],
)
def test_valid_organization_numbers(number):
    assert is_valid_organization_number(number)


@pytest.mark.parametrize(
    "number",
    [
        "123456784",  # wrong check digit
        "12345678",  # too short
        "1234567850",  # too long
        "12345678a",
        "",
        " 123456785",
        "١٢٣٤٥٦٧٨٥",  # Arabic-Indic digits are digits to str.isdigit(), not to us
        "000000060",  # remainder 1: no check digit exists
        123456785,
    ],
)
def test_invalid_organization_numbers(number):
    assert not is_valid_organization_number(number)


def test_organization_number_check_digit():
    assert organization_number_check_digit("12345678") == "5"


@pytest.mark.parametrize("first8", ["00000006", "1234567", "1234567x"])
def test_organization_number_check_digit_refuses_what_cannot_be_completed(first8):
    with pytest.raises(ValueError):
        organization_number_check_digit(first8)


def _can_be_completed(first8: str) -> bool:
    try:
        organization_number_check_digit(first8)
    except ValueError:
        return False
    return True


ORG_NUMBER_BODIES = digits(8, 8).filter(_can_be_completed)


@given(ORG_NUMBER_BODIES)
def test_every_completed_organization_number_is_valid(first8):
    assert is_valid_organization_number(first8 + organization_number_check_digit(first8))


@given(ORG_NUMBER_BODIES, st.integers(0, 8), st.integers(1, 9))
def test_one_changed_digit_breaks_an_organization_number(first8, position, shift):
    number = first8 + organization_number_check_digit(first8)
    assert not is_valid_organization_number(with_one_digit_changed(number, position, shift))


# --- KID -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kid", ["0102343", "79927398713", "18", "1234567890123456789012340"])
def test_valid_kids(kid):
    assert is_valid_kid(kid)


@pytest.mark.parametrize(
    "kid",
    [
        "0102344",  # wrong check digit
        "0",  # too short
        "12345678901234567890123459",  # 26 digits, otherwise valid
        "01023a3",
        "",
        "0102343 ",
        "-102343",
    ],
)
def test_invalid_kids(kid):
    assert not is_valid_kid(kid)


def test_twenty_six_digit_example_has_a_valid_check_digit():
    # So that the case above fails on length alone.
    assert kid_mod10_check_digit("1234567890123456789012345") == "9"


def test_kid_check_digit_refuses_non_digits():
    with pytest.raises(ValueError):
        kid_mod10_check_digit("12a")


@given(digits(1, 24))
def test_every_completed_kid_is_valid(body):
    assert is_valid_kid(body + kid_mod10_check_digit(body))


@given(digits(1, 24), st.data())
def test_one_changed_digit_breaks_a_kid(body, data):
    kid = body + kid_mod10_check_digit(body)
    position = data.draw(st.integers(0, len(kid) - 1))
    shift = data.draw(st.integers(1, 9))
    assert not is_valid_kid(with_one_digit_changed(kid, position, shift))


# --- dates and øre -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 11, 24, 23, 30, tzinfo=UTC), date(2026, 11, 25)),  # UTC+1 in winter
        (datetime(2026, 6, 30, 22, 30, tzinfo=UTC), date(2026, 7, 1)),  # UTC+2 in summer
        (datetime(2026, 6, 30, 21, 30, tzinfo=UTC), date(2026, 6, 30)),
        (datetime(2026, 11, 25, 0, 15, tzinfo=OSLO), date(2026, 11, 25)),
    ],
)
def test_today_in_oslo(now, expected):
    assert today_in_oslo(now) == expected


def test_today_in_oslo_defaults_to_now():
    before = datetime.now(OSLO).date()
    assert before <= today_in_oslo() <= datetime.now(OSLO).date()


def test_today_in_oslo_refuses_a_naive_time():
    with pytest.raises(ValueError, match="timezone-aware"):
        today_in_oslo(datetime(2026, 11, 25, 12, 0))


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("0.005", "0.01"),
        ("0.004", "0.00"),
        ("-0.005", "-0.01"),
        ("2.675", "2.68"),  # a float would give 2.67
        ("10", "10.00"),
        ("1250.50", "1250.50"),
    ],
)
def test_ore_rounds_half_up(amount, expected):
    assert str(ore(Decimal(amount))) == expected
