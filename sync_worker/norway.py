"""Norwegian numbers, dates and money: organisation numbers, KID, the Oslo calendar, øre.

Facts and sources: ../shared/reference/norway.md.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

OSLO = ZoneInfo("Europe/Oslo")

ORGANIZATION_NUMBER_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)
KID_MIN_LENGTH = 2
KID_MAX_LENGTH = 25

_ORE = Decimal("0.01")
# Not str.isdigit(): that also accepts characters such as "²" and Arabic-Indic digits.
_DIGITS = re.compile(r"[0-9]+")


def _is_digits(text: str, length: int | None = None) -> bool:
    if not isinstance(text, str) or _DIGITS.fullmatch(text) is None:
        return False
    return length is None or len(text) == length


def organization_number_check_digit(first8: str) -> str:
    """The MOD11 check digit for eight digits; ValueError when no digit can make them valid."""
    if not _is_digits(first8, 8):
        raise ValueError(f"expected 8 digits, got {first8!r}")
    weighted = sum(int(d) * w for d, w in zip(first8, ORGANIZATION_NUMBER_WEIGHTS, strict=True))
    remainder = weighted % 11
    if remainder == 1:
        # 11 - 1 = 10 has no single digit: Brønnøysund never issues such a number.
        raise ValueError(f"{first8} cannot start an organisation number (MOD11 remainder 1)")
    return str((11 - remainder) % 11)


def is_valid_organization_number(number: str) -> bool:
    """Nine digits whose last digit is the MOD11 check digit of the first eight."""
    if not _is_digits(number, 9):
        return False
    try:
        return organization_number_check_digit(number[:8]) == number[8]
    except ValueError:
        return False


def kid_mod10_check_digit(body: str) -> str:
    """The MOD10 (Luhn) check digit to append to `body`."""
    if not _is_digits(body):
        raise ValueError(f"expected digits, got {body!r}")
    total = 0
    # Weights 2, 1, 2, 1, … from the right of the body; a two-digit product counts its digit sum.
    for position, digit in enumerate(reversed(body)):
        product = int(digit) * (2 if position % 2 == 0 else 1)
        total += product // 10 + product % 10
    return str((10 - total % 10) % 10)


def is_valid_kid(kid: str) -> bool:
    """Digits, 2–25 long, ending in a MOD10 check digit (Moment only issues MOD10 KIDs)."""
    if not _is_digits(kid) or not KID_MIN_LENGTH <= len(kid) <= KID_MAX_LENGTH:
        return False
    return kid_mod10_check_digit(kid[:-1]) == kid[-1]


def today_in_oslo(now: datetime | None = None) -> date:
    """Today's calendar date in Norway: invoice dates and lock dates are Norwegian dates."""
    if now is None:
        return datetime.now(OSLO).date()
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware: a naive time has no date in Oslo")
    return now.astimezone(OSLO).date()


def ore(amount: Decimal) -> Decimal:
    """`amount` rounded half up to whole øre (two decimals)."""
    return amount.quantize(_ORE, rounding=ROUND_HALF_UP)
