"""Request bodies read field by field, the way PowerOffice Go's ASP.NET binding does.

Property names match case-insensitively, unknown properties are ignored, and a value of
the wrong JSON type is refused with a 400 that names the field (System.Text.Json does not
turn "12" into 12, nor 12 into "12").
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sandbox.simulator.query import parse_date
from sandbox.simulator.responses import ApiError, validation_error


class Body:
    """One JSON object of a request; `entity` names it in error titles ("Customer")."""

    def __init__(self, data: Any, entity: str, prefix: str = "") -> None:
        self.entity = entity
        self.prefix = prefix
        if not isinstance(data, dict):
            raise self.error(f"{prefix.rstrip('.') or 'The request body'} must be a JSON object.")
        self._data = {str(key).lower(): value for key, value in data.items()}

    def error(self, detail: str) -> ApiError:
        return validation_error(self.entity, detail)

    def text(self, name: str, *, required: bool = False, max_length: int = 0) -> str | None:
        value = self._value(name, required)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.error(f"{self.prefix}{name} must be a string.")
        if required and not value.strip():
            raise self.error(f"{self.prefix}{name} is required.")
        if max_length and len(value) > max_length:
            raise self.error(f"{self.prefix}{name} must be at most {max_length} characters.")
        return value

    def integer(self, name: str, *, required: bool = False) -> int | None:
        value = self._value(name, required)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise self.error(f"{self.prefix}{name} must be an integer.")
        return value

    def decimal(self, name: str, *, required: bool = False) -> Decimal | None:
        value = self._value(name, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            raise self.error(f"{self.prefix}{name} must be a number.")
        return Decimal(value)

    def boolean(self, name: str, default: bool) -> bool:
        value = self._value(name, required=False)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.error(f"{self.prefix}{name} must be true or false.")
        return value

    def date(self, name: str, *, required: bool = False) -> str | None:
        """An ISO date string (a time part is dropped)."""
        value = self.text(name, required=required)
        if value is None:
            return None
        try:
            return parse_date(value).isoformat()
        except ValueError:
            raise self.error(f"{self.prefix}{name} '{value}' is not a valid date.") from None

    def choice(self, name: str, choices: tuple[str, ...], default: str | None = None) -> str | None:
        """An enum member, matched case-insensitively; integers are refused as in .NET."""
        value = self._value(name, required=False)
        if value is None:
            return default
        if not isinstance(value, str):
            raise self.error(
                f"{self.prefix}{name}: Enums is not allowed to be represented as integers."
            )
        member = next((choice for choice in choices if choice.lower() == value.lower()), None)
        if member is None:
            raise self.error(f"{self.prefix}{name} '{value}' is not one of {', '.join(choices)}.")
        return member

    def nested(self, name: str) -> Body | None:
        value = self._value(name, required=False)
        return None if value is None else Body(value, self.entity, f"{self.prefix}{name}.")

    def items(self, name: str) -> list[Body]:
        value = self._value(name, required=False) or []
        if not isinstance(value, list):
            raise self.error(f"{self.prefix}{name} must be an array.")
        return [
            Body(item, self.entity, f"{self.prefix}{name}[{i}].") for i, item in enumerate(value)
        ]

    def _value(self, name: str, required: bool) -> Any:
        value = self._data.get(name.lower())
        if value is None and required:
            raise self.error(f"{self.prefix}{name} is required.")
        return value
