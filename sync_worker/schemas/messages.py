"""The message contract with Moment's backend, as marshmallow schemas.

`parse_message` is the only way in: it checks a raw message against
../shared/spec/messages.md and returns an `Envelope` of frozen entities, or raises
`InvalidMessage` naming the message and every bad field by its path.

Unknown fields are ignored at every level, so Moment can add optional fields without
breaking the workers. Business rules that a person must act on (a line without a VAT code,
an unknown account, a closed period) are not checked here but in `sync_worker.mapping.rules`,
so that the tenant's accountant gets an e-mail instead of Moment's backend a rejection.
What could never succeed whatever the accountant does (bytes that are not a PDF, money in
fractions of an øre, a line amount that is not its quantity × price, a string longer than
PowerOffice Go takes) is refused here, before anything is half-written.
"""

from __future__ import annotations

import base64
import binascii
import re
import threading
import unicodedata
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal, DecimalException
from typing import Any, ClassVar

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validates_schema
from marshmallow.validate import Email, Length, OneOf, Range, Regexp

from sync_worker import kinds
from sync_worker.errors import InvalidMessage
from sync_worker.norway import KID_MAX_LENGTH, KID_MIN_LENGTH, is_valid_kid, ore
from sync_worker.norway import is_valid_organization_number as has_valid_mod11
from sync_worker.poweroffice import limits
from sync_worker.schemas import raw as storable
from sync_worker.schemas.entities import (
    Accrual,
    Address,
    Attachment,
    Customer,
    Envelope,
    Invoice,
    InvoiceLine,
    Project,
)

INT64_MAX = storable.INT64_MAX
PDF = "application/pdf"
PDF_SIGNATURE = b"%PDF-"
NOK = "NOK"
# Half of one øre: an amount this close to the exact one is it "rounded to øre", whichever way
# Moment breaks a tie.
_HALF_ORE = Decimal("0.005")

# Plain notation only: "1e999999" is a Decimal too, but one that cannot be rounded to øre.
_PLAIN_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


# --- fields ------------------------------------------------------------------------------


class Text(fields.String):
    """A string without surrounding blanks; a blank optional value counts as null."""

    default_error_messages = {"blank": "Field may not be blank."}

    def deserialize(self, value: Any, attr: str | None = None, data: Any = None, **kwargs: Any):
        if self.allow_none and isinstance(value, str) and not value.strip():
            value = None
        return super().deserialize(value, attr, data, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if not text:
            raise self.make_error("blank")
        return text


class DecimalString(fields.Decimal):
    """Money or a quantity, written as a JSON string such as "-1250.50" (never a float)."""

    default_error_messages = {
        "not_string": 'Must be a decimal string such as "1250.50" (JSON numbers are not accepted).',
        "format": 'Not a decimal string such as "1250.50".',
    }

    def __init__(self, **kwargs: Any):
        super().__init__(as_string=True, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any):
        if not isinstance(value, str):
            raise self.make_error("not_string")
        if _PLAIN_DECIMAL.fullmatch(value) is None:
            raise self.make_error("format")
        return super()._deserialize(value, attr, data, **kwargs)


class CalendarDate(fields.Date):
    """YYYY-MM-DD exactly (Python alone would also take "20261125")."""

    default_error_messages = {"invalid": "Not a valid date: expected YYYY-MM-DD."}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any):
        if not isinstance(value, str) or _ISO_DATE.fullmatch(value) is None:
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class StrictBoolean(fields.Boolean):
    """JSON true or false only; marshmallow alone would also take 1, "yes" and "on"."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class CanonicalUuid(fields.UUID):
    """A UUID in any spelling, kept in its canonical lower-case form so duplicates match."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        return str(super()._deserialize(value, attr, data, **kwargs))


class Base64Content(fields.Field):
    """File content in base64; line breaks are allowed, anything else outside the alphabet not."""

    default_error_messages = {"invalid": "Not valid base64.", "empty": "The file is empty."}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bytes:
        if not isinstance(value, str):
            raise self.make_error("invalid")
        try:
            content = base64.b64decode("".join(value.split()), validate=True)
        except (binascii.Error, ValueError):
            raise self.make_error("invalid") from None
        if not content:
            raise self.make_error("empty")
        return content


class EntityData(fields.Field):
    """The envelope's `data`, checked by the schema that the message's `type` selects."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any):
        kind = kinds.for_message_type(data.get("type"))
        if kind is None:
            # The `type` field reports the problem and rejects the message; nothing to check.
            return value
        return _instance(kind.schema).load(value)


# --- validators ----------------------------------------------------------------------------


# An echoed value is cut to this many characters: an error stays one readable line.
_SHOWN_LENGTH = 40


def shown(text: str, *, limit: int | None = _SHOWN_LENGTH) -> str:
    """`text` as an error may quote it: control characters escaped (a CR/LF never breaks
    the line), and cut after `limit` characters."""
    cut = text if limit is None or len(text) <= limit else f"{text[:limit]}…"
    return "".join(
        repr(character)[1:-1] if unicodedata.category(character) == "Cc" else character
        for character in cut
    )


def _digits(error: str) -> Regexp:
    return Regexp(r"\A[0-9]+\Z", error=error)


def _customer_number(number: str) -> None:
    if re.fullmatch(r"[1-9][0-9]*", number) is None:
        raise ValidationError(
            f"Customer number {shown(number)} must be digits only, without a leading zero: "
            "PowerOffice Go customer numbers are whole numbers (int64)."
        )
    if len(number) > len(str(INT64_MAX)) or int(number) > INT64_MAX:
        raise ValidationError(
            f"Customer number {shown(number)} is too large: PowerOffice Go customer numbers "
            "are int64."
        )


def _project_number(number: str) -> None:
    _no_control_characters(number)
    if "." in number:
        raise ValidationError(
            f'Project number {shown(number)} contains ".", which PowerOffice Go reserves for '
            "main and sub projects (10.2 is sub project 2 of project 10)."
        )
    _storable_number(number)


def _storable_number(number: str) -> None:
    if len(number) > storable.ENTITY_NUMBER_LENGTH:
        raise ValidationError(
            f"{len(number)} characters long; the worker system stores a number of at most "
            f"{storable.ENTITY_NUMBER_LENGTH}."
        )


def _storable_integer(number: int) -> None:
    # Compared, not written out: str() of a huge integer is slow, or refused by Python.
    if number >= 10**storable.ENTITY_NUMBER_LENGTH:
        raise ValidationError(
            f"More than {storable.ENTITY_NUMBER_LENGTH} digits; the worker system stores a "
            f"number of at most {storable.ENTITY_NUMBER_LENGTH}."
        )


def _storable_timestamp(moment: datetime) -> None:
    try:
        moment.astimezone(UTC)
    except OverflowError:
        raise ValidationError(
            "Out of range: the time does not exist in UTC, in which it is stored."
        ) from None


def _organization_number(number: str) -> None:
    if re.fullmatch(r"[0-9]{9}", number) is None:
        raise ValidationError(f"Organisation number {shown(number)} must be 9 digits.")
    if not has_valid_mod11(number):
        raise ValidationError(f"Organisation number {number} fails its MOD11 check digit.")


def _kid(kid: str) -> None:
    if re.fullmatch(r"[0-9]+", kid) is None or not KID_MIN_LENGTH <= len(kid) <= KID_MAX_LENGTH:
        raise ValidationError(f"KID {shown(kid)} must be {KID_MIN_LENGTH}–{KID_MAX_LENGTH} digits.")
    if not is_valid_kid(kid):
        raise ValidationError(f"KID {kid} fails its MOD10 check digit.")


def _two_decimals(amount: Decimal) -> None:
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise ValidationError(f"{amount} has more than two decimals: money is in whole øre.")


def _no_control_characters(text: str, *, allowed: frozenset[str] = frozenset()) -> None:
    for position, character in enumerate(text, start=1):
        if unicodedata.category(character) == "Cc" and character not in allowed:
            raise ValidationError(
                f"Contains the control character U+{ord(character):04X} at position "
                f"{position}; PowerOffice Go cannot show it."
            )


# A description may run over several lines; a name, which reaches e-mail subjects, may not.
_LINE_BREAKS_AND_TABS = frozenset("\n\r\t")


def _no_control_characters_but_line_breaks(text: str) -> None:
    _no_control_characters(text, allowed=_LINE_BREAKS_AND_TABS)


def _at_most(limit: int) -> Callable[[str], None]:
    def check(text: str) -> None:
        if len(text) > limit:
            raise ValidationError(
                f"{len(text)} characters long; PowerOffice Go takes at most {limit}."
            )

    return check


def _starts_as_a_pdf(content: bytes) -> None:
    if not content.startswith(PDF_SIGNATURE):
        raise ValidationError('Not a PDF: the file does not start with "%PDF-".')


def _uploadable_size(content: bytes) -> None:
    if len(content) > limits.ATTACHMENT_BYTES:
        size = Decimal(len(content)) / limits.MEBIBYTE
        most = limits.ATTACHMENT_BYTES // limits.MEBIBYTE
        raise ValidationError(f"The file is {size:.1f} MB; PowerOffice Go takes at most {most} MB.")


def _name(**kwargs: Any) -> Text:
    return Text(required=True, validate=_no_control_characters, **kwargs)


def _optional_text(**kwargs: Any) -> Text:
    return Text(allow_none=True, load_default=None, **kwargs)


# --- schemas -------------------------------------------------------------------------------


class ContractSchema(Schema):
    """Ignores unknown fields and builds the frozen entity named by `entity`."""

    entity: ClassVar[type]
    error_messages = {"type": "Must be a JSON object."}

    class Meta:
        unknown = EXCLUDE

    @post_load
    def build_entity(self, data: dict[str, Any], **kwargs: Any) -> Any:
        # Entities are frozen, so their sequences are tuples.
        return self.entity(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})


class AddressSchema(ContractSchema):
    entity = Address

    street = _optional_text(validate=_at_most(limits.ADDRESS_LINE_LENGTH))
    street2 = _optional_text(validate=_at_most(limits.ADDRESS_LINE_LENGTH))
    postal_code = _optional_text(validate=_at_most(limits.ZIP_CODE_LENGTH))
    city = _optional_text(validate=_at_most(limits.CITY_LENGTH))
    country_code = _optional_text(
        validate=Regexp(
            r"\A[A-Z]{2}\Z", error="Must be an ISO 3166-1 alpha-2 code in capitals, such as NO."
        )
    )


class CustomerSchema(ContractSchema):
    entity = Customer

    number = Text(required=True, validate=_customer_number)
    name = _name()
    organization_number = _optional_text(validate=_organization_number)
    contact_email = _optional_text(validate=Email())
    invoice_email = _optional_text(validate=Email())
    address = fields.Nested(AddressSchema, allow_none=True, load_default=None)
    state = _optional_text(validate=OneOf(("active", "potential", "inactive")))


class ProjectSchema(ContractSchema):
    entity = Project

    number = Text(required=True, validate=_project_number)
    name = _name()
    state = Text(required=True, validate=OneOf(("active", "finished", "archived", "potential")))
    customer_number = _optional_text(validate=_customer_number)
    department_code = _optional_text(validate=_no_control_characters)
    owner_email = _optional_text(validate=Email())
    expenses_billable = StrictBoolean(allow_none=True, load_default=None)


class AccrualSchema(ContractSchema):
    entity = Accrual

    from_ = CalendarDate(data_key="from", required=True)
    to = CalendarDate(required=True)

    @validates_schema(skip_on_field_errors=True)
    def period_runs_forward(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data["from_"] > data["to"]:
            raise ValidationError(
                f"The accrual period ends ({data['to']}) before it starts ({data['from_']}).",
                field_name="to",
            )


class InvoiceLineSchema(ContractSchema):
    entity = InvoiceLine

    description = _optional_text(validate=_no_control_characters_but_line_breaks)
    account_code = Text(required=True, validate=_digits("An account code is digits only."))
    vat_code = _optional_text(validate=_digits("A VAT code is digits only (SAF-T)."))
    quantity = DecimalString(required=True)
    unit_price = DecimalString(required=True)
    discount_percent = DecimalString(load_default=Decimal("0"))
    amount = DecimalString(required=True, validate=_two_decimals)
    accrual = fields.Nested(AccrualSchema, allow_none=True, load_default=None)

    @validates_schema(skip_on_field_errors=True)
    def amount_is_quantity_times_price(self, data: dict[str, Any], **kwargs: Any) -> None:
        # Moment computes the amount and it is stored as sent; checked only to the half øre,
        # because Moment may break a tie another way than `norway.ore`.
        quantity, price, discount = data["quantity"], data["unit_price"], data["discount_percent"]
        try:
            exact = quantity * price * (1 - discount / 100)
            expected = ore(exact)
        except DecimalException:
            raise ValidationError(
                "Quantity × unit price is too large to be an amount in øre.", field_name="amount"
            ) from None
        if abs(data["amount"] - exact) > _HALF_ORE:
            raise ValidationError(
                f"The amount {data['amount']} is not quantity × unit price less its discount: "
                f"{quantity} × {price} × (1 − {discount}/100) = {expected}.",
                field_name="amount",
            )


class AttachmentSchema(ContractSchema):
    entity = Attachment

    filename = Text(required=True, validate=_no_control_characters)
    content_type = Text(
        required=True, validate=OneOf((PDF,), error="PowerOffice Go only accepts a PDF.")
    )
    content = Base64Content(
        data_key="content_base64", required=True, validate=(_starts_as_a_pdf, _uploadable_size)
    )


class VoucherSchema(ContractSchema):
    """What an invoice and a credit note share: the contract gives them one shape."""

    entity = Invoice

    number = fields.Integer(strict=True, required=True, validate=(Range(min=1), _storable_integer))
    description = _optional_text(validate=_no_control_characters_but_line_breaks)
    customer = fields.Nested(CustomerSchema, required=True)
    project = fields.Nested(ProjectSchema, allow_none=True, load_default=None)
    invoice_date = CalendarDate(required=True)
    due_date = CalendarDate(required=True)
    kid = _optional_text(validate=_kid)
    currency_code = Text(
        required=True,
        validate=Regexp(r"\A[A-Z]{3}\Z", error="Must be a 3-letter code in capitals, such as NOK."),
    )
    currency_rate = DecimalString(
        required=True, validate=Range(min=0, min_inclusive=False, error="Must be above 0.")
    )
    department_code = _optional_text(validate=_no_control_characters)
    total_incl_vat = DecimalString(required=True, validate=_two_decimals)
    lines = fields.List(
        fields.Nested(InvoiceLineSchema),
        required=True,
        validate=Length(min=1, error="An invoice needs at least one line."),
    )
    attachment = fields.Nested(AttachmentSchema, required=True)
    credited_invoice_number = fields.Integer(
        strict=True, allow_none=True, load_default=None, validate=(Range(min=1), _storable_integer)
    )

    @validates_schema(skip_on_field_errors=False)
    def nok_is_at_rate_one(self, data: dict[str, Any], **kwargs: Any) -> None:
        rate = data.get("currency_rate")
        if data.get("currency_code") == NOK and rate is not None and rate != 1:
            raise ValidationError(
                f"A NOK invoice is at currency rate 1, not {rate}.", field_name="currency_rate"
            )

    @validates_schema(skip_on_field_errors=False)
    def due_on_or_after_invoice_date(self, data: dict[str, Any], **kwargs: Any) -> None:
        invoice_date, due_date = data.get("invoice_date"), data.get("due_date")
        if invoice_date and due_date and due_date < invoice_date:
            raise ValidationError(
                f"The due date {due_date} is before the invoice date {invoice_date}.",
                field_name="due_date",
            )


class InvoiceSchema(VoucherSchema):
    @validates_schema(skip_on_field_errors=False)
    def total_is_not_negative(self, data: dict[str, Any], **kwargs: Any) -> None:
        total = data.get("total_incl_vat")
        if total is not None and total < 0:
            raise ValidationError(
                f"An invoice's total is not negative, but this one's is {total}: "
                "send a credit note instead.",
                field_name="total_incl_vat",
            )


class CreditNoteSchema(VoucherSchema):
    @validates_schema(skip_on_field_errors=False)
    def total_is_negative(self, data: dict[str, Any], **kwargs: Any) -> None:
        total = data.get("total_incl_vat")
        if total is not None and total >= 0:
            raise ValidationError(
                f"A credit note's amounts are negative, but its total is {total}.",
                field_name="total_incl_vat",
            )

    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def names_the_credited_invoice(
        self, data: dict[str, Any], original: Mapping[str, Any], **kwargs: Any
    ) -> None:
        # The original, so that a malformed number is reported once, as malformed; data
        # that is not an object at all is already reported as such.
        if isinstance(original, Mapping) and original.get("credited_invoice_number") is None:
            raise ValidationError(
                "A credit note names the invoice it credits.",
                field_name="credited_invoice_number",
            )


def _known_message_type(message_type: str) -> None:
    if kinds.for_message_type(message_type) is None:
        known = ", ".join(kind.message_type for kind in kinds.all_kinds())
        raise ValidationError(f"Must be one of: {known}.")


class EnvelopeSchema(ContractSchema):
    entity = Envelope

    message_id = CanonicalUuid(required=True)
    tenant = Text(required=True)
    type = fields.String(required=True, validate=_known_message_type)
    version = fields.Integer(
        strict=True,
        required=True,
        validate=Range(min=0, max=INT64_MAX, error="Must be from {min} to {max} (int64)."),
    )
    occurred_at = fields.AwareDateTime(
        required=True,
        validate=_storable_timestamp,
        error_messages={
            "invalid": "Not an RFC 3339 timestamp, such as 2026-11-25T10:00:00+01:00.",
            "invalid_awareness": (
                "Has no offset: a timestamp says its time zone, such as 2026-11-25T10:00:00+01:00."
            ),
        },
    )
    trigger = fields.String(load_default="auto", validate=OneOf(("auto", "manual")))
    data = EntityData(required=True)


# --- entry point ---------------------------------------------------------------------------


def parse_message(raw: Any) -> Envelope:
    """The checked message; `InvalidMessage` naming the message and each bad field otherwise."""
    if not isinstance(raw, Mapping):
        raise _invalid(raw, {"message": [f"Not a JSON object but {_json_kind(raw)}."]})
    unstorable = storable.problems(raw)
    try:
        envelope = _instance(EnvelopeSchema).load(raw)
    except ValidationError as error:
        field_errors = _flatten(error.messages)
    else:
        if not unstorable:
            return envelope
        field_errors = {}
    # The contract's own reason first; what the database could not store where it has none.
    for path, texts in unstorable.items():
        field_errors.setdefault(path, texts)
    raise _invalid(raw, field_errors)


def known_message_id(raw: Any) -> str | None:
    """The message's id in its canonical spelling, when it has a valid one."""
    message_id = raw.get("message_id") if isinstance(raw, Mapping) else None
    if not isinstance(message_id, str):
        return None
    try:
        return str(uuid.UUID(message_id))
    except ValueError:
        return None


def _json_kind(value: Any) -> str:
    match value:
        case None:
            return "null"
        case bool():
            return "true" if value else "false"
        case str():
            return "a string"
        case int() | float():
            return "a number"
        case list() | tuple():
            return "an array"
        case _:
            return f"a {type(value).__name__}"


_schemas = threading.local()


def _instance(schema: type[Schema]) -> Schema:
    """This thread's instance of `schema`, built once and reused.

    Building a schema deep-copies every field of it and of its nested schemas, which cost
    more than checking the message itself (the producer spent 60 % of its validation time
    there, benchmarks/producer_throughput.py). One instance per thread, because marshmallow
    does not promise that sharing one across threads is safe.
    """
    built = getattr(_schemas, "by_class", None)
    if built is None:
        built = _schemas.by_class = {}
    if schema not in built:
        built[schema] = schema()
    return built[schema]


def _invalid(raw: Any, field_errors: dict[str, list[str]]) -> InvalidMessage:
    raw = raw if isinstance(raw, Mapping) else {}
    message_id, message_type = raw.get("message_id"), raw.get("type")
    # Even a malformed id helps find the message; shown escaped, it cannot break the line.
    message_id = known_message_id(raw) or message_id
    name = (
        f"message {shown(message_id)}"
        if isinstance(message_id, str) and message_id
        else "message #?"
    )
    kind = shown(message_type) if isinstance(message_type, str) and message_type else "type ?"
    problems = "; ".join(f"{path}: {' '.join(texts)}" for path, texts in field_errors.items())
    return InvalidMessage(f"{name} ({kind}): {problems}", field_errors=field_errors)


def _flatten(messages: Any, path: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages as {"data.lines.2.vat_code": [...]}."""
    if not isinstance(messages, dict):
        texts = messages if isinstance(messages, list) else [messages]
        return {path or "message": [str(text) for text in texts]}
    flat: dict[str, list[str]] = {}
    for key, nested in messages.items():
        # "_schema" holds errors about the object itself rather than one of its fields.
        child = path if key == "_schema" else f"{path}.{key}" if path else str(key)
        for child_path, texts in _flatten(nested, child).items():
            flat.setdefault(child_path, []).extend(texts)
    return flat
