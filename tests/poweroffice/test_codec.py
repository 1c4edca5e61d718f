"""JSON on the wire: Decimal amounts are written and read without passing through float."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from sync_worker.poweroffice import codec


@pytest.mark.parametrize(
    ("amount", "written"),
    [
        (Decimal("0.1"), "0.1"),
        (Decimal("1250.10"), "1250.10"),
        (Decimal("-0.005"), "-0.005"),
        (Decimal("1E+3"), "1000"),
        (Decimal("1E-7"), "0.0000001"),
        (Decimal("12345678901234567890.123456789"), "12345678901234567890.123456789"),
    ],
)
def test_decimal_is_a_json_number_with_exactly_its_digits(amount, written):
    encoded = codec.encode({"CurrencyAmount": amount})

    assert encoded == f'{{"CurrencyAmount":{written}}}'.encode()
    assert codec.decode(encoded) == {"CurrencyAmount": amount}


def test_everything_else_is_plain_json():
    value = {
        "Name": 'Blåbær AS "quoted"',
        "When": dt.date(2025, 1, 15),
        "At": dt.datetime(2025, 1, 15, 8, 3, tzinfo=dt.UTC),
        "Lines": ({"Quantity": 3, "IsActive": True, "Note": None},),
    }

    decoded = json.loads(codec.encode(value))

    assert decoded == {
        "Name": 'Blåbær AS "quoted"',
        "When": "2025-01-15",
        "At": "2025-01-15T08:03:00+00:00",
        "Lines": [{"Quantity": 3, "IsActive": True, "Note": None}],
    }


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity"), float("nan")])
def test_no_number_json_cannot_carry(value):
    with pytest.raises(ValueError):
        codec.encode({"Amount": value})


def test_an_empty_body_decodes_to_none():
    assert codec.decode(b"") is None
    assert codec.decode(b"[1.5]") == [Decimal("1.5")]
