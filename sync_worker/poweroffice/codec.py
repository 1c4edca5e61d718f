"""JSON on the wire: amounts stay exact both ways.

`json.dumps` can only write a Decimal as a float (rounding 0.1 to 0.1000000000000000055…
internally) or as a quoted string, which PowerOffice Go rejects for a number field. So
bodies are written by this small encoder, which renders a Decimal from its own digits.
Answers are read with `parse_float=Decimal`, so amounts never pass through a float.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any


def encode(value: Any) -> bytes:
    """`value` as compact UTF-8 JSON; Decimal as a plain number, dates as ISO strings."""
    return _render(value).encode("utf-8")


def decode(content: bytes) -> Any:
    """Parse an answer's JSON body; None for an empty body (204)."""
    if not content.strip():
        return None
    return json.loads(content, parse_float=Decimal)


def _render(value: Any) -> str:
    if isinstance(value, Decimal):
        return _decimal(value)
    if isinstance(value, dict):
        items = (f"{json.dumps(str(key))}:{_render(item)}" for key, item in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_render(item) for item in value) + "]"
    if isinstance(value, dt.date):  # datetime is a date too
        return json.dumps(value.isoformat())
    return json.dumps(value, allow_nan=False)


def _decimal(value: Decimal) -> str:
    if not value.is_finite():
        raise ValueError(f"{value} cannot be sent as a JSON number")
    # Fixed-point keeps every digit ("1E+2" becomes "100", "1E-7" becomes "0.0000001").
    return format(value, "f")
