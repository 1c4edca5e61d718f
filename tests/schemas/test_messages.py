from __future__ import annotations

import base64
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from sync_worker.errors import InvalidMessage
from sync_worker.poweroffice import limits
from sync_worker.schemas import (
    Accrual,
    Address,
    Attachment,
    Customer,
    Invoice,
    InvoiceLine,
    Project,
    parse_message,
)
from tests.schemas.examples import MESSAGE_TYPES, PDF_BYTES, message

MESSAGE_ID = "0b6f8a2e-5c1d-4d59-9a63-1f0f6f3b7c11"


def _parent(raw: dict[str, Any], path: str) -> tuple[Any, str | int]:
    *parents, last = (int(key) if key.isdigit() else key for key in path.split("."))
    node: Any = raw
    for key in parents:
        node = node[key]
    return node, last


def changed(message_type: str, path: str, value: Any) -> dict[str, Any]:
    """The example message with the field at a dotted path set to `value`."""
    raw = message(message_type)
    parent, key = _parent(raw, path)
    parent[key] = value
    return raw


def without(message_type: str, path: str) -> dict[str, Any]:
    raw = message(message_type)
    parent, key = _parent(raw, path)
    del parent[key]
    return raw


def field_errors(raw: Any) -> dict[str, list[str]]:
    with pytest.raises(InvalidMessage) as caught:
        parse_message(raw)
    return caught.value.field_errors


# --- valid messages ------------------------------------------------------------------------


def test_customer_message():
    envelope = parse_message(message("customer.changed"))

    assert envelope.message_id == MESSAGE_ID
    assert envelope.tenant == "acme"
    assert envelope.version == 1764064800123
    assert envelope.occurred_at == datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    assert envelope.trigger == "auto"
    assert (envelope.kind, envelope.entity_number) == ("customer", "10001")
    assert envelope.data == Customer(
        number="10001",
        name="Fjordkraft Konsulent AS",
        organization_number="923609016",
        contact_email="post@fjordkraft-konsulent.no",
        invoice_email="faktura@fjordkraft-konsulent.no",
        address=Address(street="Storgata 1", postal_code="0155", city="Oslo", country_code="NO"),
        state="active",
    )


def test_project_message():
    envelope = parse_message(message("project.changed"))

    assert (envelope.kind, envelope.entity_number) == ("project", "2026-017")
    assert envelope.data == Project(
        number="2026-017",
        name="Nettside for Fjordkraft",
        state="active",
        customer_number="10001",
        department_code="20",
        owner_email="kari.nordmann@acme.no",
        expenses_billable=None,
    )


def test_invoice_message():
    envelope = parse_message(message("invoice.finalized"))
    invoice = envelope.data

    assert (envelope.kind, envelope.entity_number) == ("invoice", "10234")
    assert isinstance(invoice, Invoice)
    assert invoice.number == 10234
    assert invoice.customer.number == "10001"
    assert invoice.project is not None and invoice.project.number == "2026-017"
    assert (invoice.invoice_date, invoice.due_date) == (date(2026, 11, 25), date(2026, 12, 9))
    assert invoice.kid == "0102343"
    assert (invoice.currency_code, invoice.currency_rate) == ("NOK", Decimal("1"))
    assert invoice.total_incl_vat == Decimal("12500.00")
    assert invoice.credited_invoice_number is None
    assert invoice.lines == (
        InvoiceLine(
            description="Rådgivning, 10 timer",
            account_code="3000",
            vat_code="3",
            quantity=Decimal("10"),
            unit_price=Decimal("1000.00"),
            discount_percent=Decimal("0"),
            amount=Decimal("10000.00"),
            accrual=Accrual(from_=date(2026, 11, 1), to=date(2026, 11, 30)),
        ),
    )
    assert invoice.attachment == Attachment(
        filename="faktura-10234.pdf", content_type="application/pdf", content=PDF_BYTES
    )


def test_credit_note_message():
    envelope = parse_message(message("credit_note.finalized"))

    assert (envelope.kind, envelope.entity_number) == ("credit_note", "10240")
    assert envelope.data.credited_invoice_number == 10234
    assert envelope.data.total_incl_vat == Decimal("-12500.00")


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("trigger", "manual", "manual"),
        ("message_id", MESSAGE_ID.upper(), MESSAGE_ID),
        ("message_id", MESSAGE_ID.replace("-", ""), MESSAGE_ID),
        ("occurred_at", "2026-11-25T09:00:00Z", datetime(2026, 11, 25, 9, tzinfo=UTC)),
        ("version", 0, 0),
    ],
)
def test_envelope_values(path, value, expected):
    envelope = parse_message(changed("customer.changed", path, value))
    assert getattr(envelope, path) == expected


def test_trigger_defaults_to_auto():
    assert parse_message(without("customer.changed", "trigger")).trigger == "auto"


def test_occurred_at_keeps_its_offset():
    envelope = parse_message(message("customer.changed"))
    assert envelope.occurred_at.utcoffset() == timedelta(hours=1)


@pytest.mark.parametrize(
    ("message_type", "path", "value", "attribute", "expected"),
    [
        ("customer.changed", "data.organization_number", None, "organization_number", None),
        ("customer.changed", "data.organization_number", "", "organization_number", None),
        ("customer.changed", "data.contact_email", "  ", "contact_email", None),
        ("customer.changed", "data.address", None, "address", None),
        ("customer.changed", "data.state", None, "state", None),
        ("customer.changed", "data.name", "  Fjordkraft AS ", "name", "Fjordkraft AS"),
        ("project.changed", "data.customer_number", None, "customer_number", None),
        ("project.changed", "data.department_code", None, "department_code", None),
        ("project.changed", "data.expenses_billable", True, "expenses_billable", True),
        ("project.changed", "data.expenses_billable", False, "expenses_billable", False),
        ("invoice.finalized", "data.project", None, "project", None),
        ("invoice.finalized", "data.kid", None, "kid", None),
        ("invoice.finalized", "data.department_code", None, "department_code", None),
        ("invoice.finalized", "data.description", "", "description", None),
    ],
)
def test_optional_values(message_type, path, value, attribute, expected):
    entity = parse_message(changed(message_type, path, value)).data
    assert getattr(entity, attribute) == expected


@pytest.mark.parametrize(
    ("path", "value", "attribute", "expected"),
    [
        ("data.lines.0.vat_code", None, "vat_code", None),  # refused by the export rules
        ("data.lines.0.accrual", None, "accrual", None),
        ("data.lines.0.description", None, "description", None),
    ],
)
def test_optional_line_values(path, value, attribute, expected):
    invoice = parse_message(changed("invoice.finalized", path, value)).data
    assert getattr(invoice.lines[0], attribute) == expected


def test_a_foreign_currency_keeps_its_rate():
    raw = changed("invoice.finalized", "data.currency_code", "EUR")
    raw["data"]["currency_rate"] = "11.6235"
    assert parse_message(raw).data.currency_rate == Decimal("11.6235")


def test_nok_at_rate_one_in_any_spelling():
    raw = changed("invoice.finalized", "data.currency_rate", "1.0000")
    assert parse_message(raw).data.currency_rate == Decimal("1")


def with_line(**line: str) -> dict[str, Any]:
    """The example invoice with its line's figures replaced."""
    raw = message("invoice.finalized")
    raw["data"]["lines"][0].update(line)
    return raw


@pytest.mark.parametrize(
    ("quantity", "unit_price", "discount_percent", "amount"),
    [
        ("3", "33.333", "0", "100.00"),  # 99.999, rounded to øre
        ("1", "0.125", "0", "0.13"),  # a tie rounded up
        ("1", "0.125", "0", "0.12"),  # a tie rounded to even
        ("7.5", "1250.00", "12.5", "8203.13"),  # 8203.125
        ("1", "-0.40", "0", "-0.40"),  # a rounding line
        ("10", "1000.00", "100", "0.00"),
    ],
)
def test_line_amount_is_quantity_times_price_less_discount(
    quantity, unit_price, discount_percent, amount
):
    raw = with_line(
        quantity=quantity, unit_price=unit_price, discount_percent=discount_percent, amount=amount
    )
    assert parse_message(raw).data.lines[0].amount == Decimal(amount)


def test_a_line_amount_off_by_one_ore_is_refused():
    errors = field_errors(with_line(quantity="3", unit_price="33.333", amount="99.99"))
    assert errors == {
        "data.lines.0.amount": [
            "The amount 99.99 is not quantity × unit price less its discount: "
            "3 × 33.333 × (1 − 0/100) = 100.00."
        ]
    }


def test_a_line_amount_is_checked_with_its_discount():
    errors = field_errors(with_line(discount_percent="10"))
    assert errors == {
        "data.lines.0.amount": [
            "The amount 10000.00 is not quantity × unit price less its discount: "
            "10 × 1000.00 × (1 − 10/100) = 9000.00."
        ]
    }


@pytest.mark.parametrize("digits", [30, 600_000])
def test_line_figures_too_large_for_an_amount_are_refused(digits):
    errors = field_errors(with_line(quantity="9" * digits, unit_price="9" * digits))
    assert errors == {
        "data.lines.0.amount": ["Quantity × unit price is too large to be an amount in øre."]
    }


def test_a_malformed_line_figure_is_reported_alone():
    errors = field_errors(with_line(quantity="ten"))
    assert list(errors) == ["data.lines.0.quantity"]


def test_discount_percent_defaults_to_zero():
    invoice = parse_message(without("invoice.finalized", "data.lines.0.discount_percent")).data
    assert invoice.lines[0].discount_percent == Decimal("0")


def test_credit_note_may_have_positive_lines_when_its_total_is_negative():
    raw = message("credit_note.finalized")
    raw["data"]["lines"][0].update(quantity="1", unit_price="0.40", amount="0.40")
    assert parse_message(raw).data.lines[0].amount == Decimal("0.40")


def test_base64_may_be_wrapped_over_lines():
    wrapped = base64.encodebytes(PDF_BYTES * 10).decode()
    assert "\n" in wrapped
    raw = changed("invoice.finalized", "data.attachment.content_base64", wrapped)
    assert parse_message(raw).data.attachment.content == PDF_BYTES * 10


@pytest.mark.parametrize(
    "path",
    [
        "surprise",
        "data.surprise",
        "data.address.surprise",
        "data.customer.surprise",
        "data.lines.0.surprise",
        "data.lines.0.accrual.surprise",
        "data.attachment.surprise",
    ],
)
def test_unknown_fields_are_ignored(path):
    message_type = "customer.changed" if path.startswith("data.address") else "invoice.finalized"
    expected = parse_message(message(message_type))
    assert parse_message(changed(message_type, path, {"any": ["thing"]})) == expected


# --- missing fields ------------------------------------------------------------------------

REQUIRED = [
    *(
        (message_type, field)
        for message_type in MESSAGE_TYPES
        for field in ("message_id", "tenant", "type", "version", "occurred_at", "data")
    ),
    ("customer.changed", "data.number"),
    ("customer.changed", "data.name"),
    ("project.changed", "data.number"),
    ("project.changed", "data.name"),
    ("project.changed", "data.state"),
    *(
        (message_type, f"data.{field}")
        for message_type in ("invoice.finalized", "credit_note.finalized")
        for field in (
            "number",
            "customer",
            "customer.number",
            "customer.name",
            "project.number",
            "invoice_date",
            "due_date",
            "currency_code",
            "currency_rate",
            "total_incl_vat",
            "lines",
            "lines.0.account_code",
            "lines.0.quantity",
            "lines.0.unit_price",
            "lines.0.amount",
            "attachment",
            "attachment.filename",
            "attachment.content_type",
            "attachment.content_base64",
        )
    ),
    ("invoice.finalized", "data.lines.0.accrual.from"),
    ("invoice.finalized", "data.lines.0.accrual.to"),
]


@pytest.mark.parametrize(("message_type", "path"), REQUIRED)
def test_missing_required_field_is_named(message_type, path):
    errors = field_errors(without(message_type, path))
    assert errors[path] == ["Missing data for required field."]


@pytest.mark.parametrize(
    ("message_type", "path"),
    [("customer.changed", "data.name"), ("invoice.finalized", "data.lines.0.account_code")],
)
def test_blank_required_text_is_refused(message_type, path):
    assert field_errors(changed(message_type, path, "  ")) == {path: ["Field may not be blank."]}


# --- malformed fields ----------------------------------------------------------------------

NOT_A_PDF = base64.b64encode(b"<html>Bad Gateway</html>").decode()
NOT_A_PDF_ERROR = 'Not a PDF: the file does not start with "%PDF-".'

MALFORMED = [
    # envelope
    ("invoice.finalized", "message_id", "not-a-uuid", "Not a valid UUID."),
    ("invoice.finalized", "tenant", 7, "Not a valid string."),
    ("invoice.finalized", "type", "invoice.created", "Must be one of: customer.changed"),
    ("invoice.finalized", "version", -1, "Must be from 0 to"),
    ("invoice.finalized", "version", "17", "Not a valid integer."),
    ("invoice.finalized", "version", True, "Not a valid integer."),
    ("invoice.finalized", "occurred_at", "2026-11-25T10:00:00", "Has no offset"),
    ("invoice.finalized", "occurred_at", "yesterday", "Not an RFC 3339 timestamp"),
    ("invoice.finalized", "trigger", "cron", "Must be one of: auto, manual."),
    ("invoice.finalized", "data", "{}", "Must be a JSON object."),
    # customer
    ("customer.changed", "data.number", "10001A", "digits only"),
    ("customer.changed", "data.number", "010001", "without a leading zero"),
    ("customer.changed", "data.number", 10001, "Not a valid string."),
    ("customer.changed", "data.number", "9223372036854775808", "int64"),
    ("customer.changed", "data.organization_number", "923609017", "fails its MOD11 check digit"),
    ("customer.changed", "data.organization_number", "92360901", "must be 9 digits"),
    ("customer.changed", "data.organization_number", "NO923609016MVA", "must be 9 digits"),
    ("customer.changed", "data.contact_email", "post(at)fjordkraft.no", "Not a valid email"),
    ("customer.changed", "data.invoice_email", "faktura@", "Not a valid email"),
    ("customer.changed", "data.address.country_code", "no", "ISO 3166-1 alpha-2"),
    ("customer.changed", "data.address.country_code", "NOR", "ISO 3166-1 alpha-2"),
    ("customer.changed", "data.address", "Storgata 1", "Must be a JSON object."),
    ("customer.changed", "data.state", "deleted", "Must be one of: active, potential, inactive."),
    (
        "customer.changed",
        "data.name",
        "Fjordkraft\x00AS",
        "control character U+0000 at position 11",
    ),
    *(
        ("customer.changed", f"data.address.{field}", "x" * (limit + 1), f"at most {limit}.")
        for field, limit in (
            ("street", limits.ADDRESS_LINE_LENGTH),
            ("street2", limits.ADDRESS_LINE_LENGTH),
            ("postal_code", limits.ZIP_CODE_LENGTH),
            ("city", limits.CITY_LENGTH),
        )
    ),
    (
        "customer.changed",
        "data.address.city",
        "x" * 100_000,
        "100000 characters long; PowerOffice Go takes at most 100.",
    ),
    # project
    ("project.changed", "data.number", "2026.017", "reserves for main and sub projects"),
    ("project.changed", "data.state", "done", "Must be one of: active, finished, archived"),
    ("project.changed", "data.customer_number", "K-1", "digits only"),
    ("project.changed", "data.owner_email", "kari", "Not a valid email"),
    ("project.changed", "data.expenses_billable", "yes", "Not a valid boolean."),
    ("project.changed", "data.expenses_billable", 1, "Not a valid boolean."),
    ("project.changed", "data.name", "Nettside\nFjordkraft", "control character U+000A"),
    # invoice
    ("invoice.finalized", "data.number", "10234", "Not a valid integer."),
    ("invoice.finalized", "data.number", 0, "greater than or equal to 1"),
    ("invoice.finalized", "data.number", 10234.0, "Not a valid integer."),
    ("invoice.finalized", "data.customer.organization_number", "1", "must be 9 digits"),
    ("invoice.finalized", "data.project.number", "10.2", "reserves for main and sub projects"),
    ("invoice.finalized", "data.invoice_date", "25.11.2026", "expected YYYY-MM-DD"),
    ("invoice.finalized", "data.invoice_date", "20261125", "expected YYYY-MM-DD"),
    ("invoice.finalized", "data.invoice_date", "2026-02-30", "expected YYYY-MM-DD"),
    ("invoice.finalized", "data.due_date", "2026-11-24", "before the invoice date 2026-11-25"),
    ("invoice.finalized", "data.kid", "0102344", "KID 0102344 fails its MOD10 check digit."),
    ("invoice.finalized", "data.kid", "1", "must be 2–25 digits"),
    ("invoice.finalized", "data.kid", "01023-43", "must be 2–25 digits"),
    ("invoice.finalized", "data.currency_code", "nok", "3-letter code in capitals"),
    ("invoice.finalized", "data.currency_code", "KR", "3-letter code in capitals"),
    ("invoice.finalized", "data.currency_rate", "0", "Must be above 0."),
    ("invoice.finalized", "data.currency_rate", 1, "JSON numbers are not accepted"),
    ("invoice.finalized", "data.total_incl_vat", 12500.0, "JSON numbers are not accepted"),
    ("invoice.finalized", "data.total_incl_vat", 12500, "JSON numbers are not accepted"),
    ("invoice.finalized", "data.total_incl_vat", "12 500,00", "Not a decimal string"),
    ("invoice.finalized", "data.total_incl_vat", "1e999999", "Not a decimal string"),
    ("invoice.finalized", "data.total_incl_vat", "NaN", "Not a decimal string"),
    ("invoice.finalized", "data.lines", [], "at least one line"),
    ("invoice.finalized", "data.lines.0.vat_code", 3, "Not a valid string."),
    ("invoice.finalized", "data.lines.0.vat_code", "C3", "digits only"),
    ("invoice.finalized", "data.lines.0.account_code", "30OO", "digits only"),
    ("invoice.finalized", "data.lines.0.quantity", 10, "JSON numbers are not accepted"),
    ("invoice.finalized", "data.lines.0.unit_price", "1000,00", "Not a decimal string"),
    ("invoice.finalized", "data.lines.0.discount_percent", None, "may not be null"),
    ("invoice.finalized", "data.lines.0.amount", 10000.0, "JSON numbers are not accepted"),
    ("invoice.finalized", "data.lines.0.accrual.from", "2026-11", "expected YYYY-MM-DD"),
    ("invoice.finalized", "data.lines.0.accrual.to", "2026-10-31", "ends (2026-10-31) before"),
    ("invoice.finalized", "data.attachment.content_type", "image/png", "only accepts a PDF"),
    ("invoice.finalized", "data.attachment.content_base64", "JVBERi0x!", "Not valid base64."),
    ("invoice.finalized", "data.attachment.content_base64", "JVBERi0", "Not valid base64."),
    ("invoice.finalized", "data.attachment.content_base64", "", "The file is empty."),
    ("invoice.finalized", "data.credited_invoice_number", "10234", "Not a valid integer."),
    ("invoice.finalized", "data.customer.name", "Fjord\tkraft", "control character U+0009"),
    ("invoice.finalized", "data.project.name", "Nett\x1bside", "control character U+001B"),
    ("invoice.finalized", "data.description", "Konsulent\x00bistand", "control character U+0000"),
    ("invoice.finalized", "data.lines.0.description", "Råd\x7fgivning", "U+007F at position 4"),
    ("invoice.finalized", "data.attachment.content_base64", NOT_A_PDF, NOT_A_PDF_ERROR),
    ("invoice.finalized", "data.total_incl_vat", "12500.001", "12500.001 has more than two"),
    ("invoice.finalized", "data.lines.0.amount", "10000.000", "money is in whole øre"),
    ("invoice.finalized", "data.currency_rate", "11.6235", "A NOK invoice is at currency rate 1"),
    ("invoice.finalized", "data.total_incl_vat", "-12500.00", "send a credit note instead"),
    # credit note
    ("credit_note.finalized", "data.total_incl_vat", "12500.00", "amounts are negative"),
    ("credit_note.finalized", "data.total_incl_vat", "0.00", "amounts are negative"),
    ("credit_note.finalized", "data.credited_invoice_number", None, "names the invoice it credits"),
    ("credit_note.finalized", "data.credited_invoice_number", "10234", "Not a valid integer."),
]


@pytest.mark.parametrize(("message_type", "path", "value", "expected"), MALFORMED)
def test_malformed_field_is_named(message_type, path, value, expected):
    errors = field_errors(changed(message_type, path, value))
    assert list(errors) == [path]
    assert expected in " ".join(errors[path])


def test_a_credit_note_without_the_invoice_it_credits_is_refused():
    errors = field_errors(without("credit_note.finalized", "data.credited_invoice_number"))
    assert errors == {
        "data.credited_invoice_number": ["A credit note names the invoice it credits."]
    }


def test_an_invoice_may_total_zero():
    raw = with_line(discount_percent="100", amount="0.00")
    raw["data"]["total_incl_vat"] = "0.00"
    assert parse_message(raw).data.total_incl_vat == Decimal("0.00")


def attachment_of(size: int) -> dict[str, Any]:
    content = PDF_BYTES + b" " * (size - len(PDF_BYTES))
    raw = message("invoice.finalized")
    raw["data"]["attachment"]["content_base64"] = base64.b64encode(content).decode()
    return raw


def test_an_attachment_at_the_size_limit_passes():
    raw = attachment_of(limits.ATTACHMENT_BYTES)
    assert len(parse_message(raw).data.attachment.content) == limits.ATTACHMENT_BYTES


def test_an_attachment_over_the_size_limit_is_refused():
    errors = field_errors(attachment_of(limits.ATTACHMENT_BYTES + 1))
    assert errors == {
        "data.attachment.content_base64": [
            "The file is 30.0 MB; PowerOffice Go takes at most 30 MB."
        ]
    }


# --- the error as a whole ------------------------------------------------------------------


def test_error_names_the_message_its_type_and_every_bad_field():
    raw = changed("invoice.finalized", "data.lines.0.vat_code", 3)
    raw["data"]["kid"] = "0102344"
    raw["data"]["lines"].append(dict(raw["data"]["lines"][0], vat_code="3", amount=10.0))

    with pytest.raises(InvalidMessage) as caught:
        parse_message(raw)

    assert str(caught.value) == (
        f"message {MESSAGE_ID} (invoice.finalized): "
        "data.kid: KID 0102344 fails its MOD10 check digit.; "
        "data.lines.0.vat_code: Not a valid string.; "
        'data.lines.1.amount: Must be a decimal string such as "1250.50" '
        "(JSON numbers are not accepted)."
    )
    assert set(caught.value.field_errors) == {
        "data.kid",
        "data.lines.0.vat_code",
        "data.lines.1.amount",
    }


def test_error_without_a_readable_id_or_type():
    raw = without("customer.changed", "message_id")
    raw["type"] = ["customer.changed"]

    with pytest.raises(InvalidMessage, match=r"^message #\? \(type \?\): message_id: Missing"):
        parse_message(raw)


def test_a_malformed_id_is_still_shown_to_find_the_message():
    with pytest.raises(InvalidMessage, match=r"^message 42-abc \(project.changed\): message_id"):
        parse_message(changed("project.changed", "message_id", "42-abc"))


def test_data_is_not_checked_against_an_unknown_type():
    errors = field_errors(changed("customer.changed", "type", "customer.deleted"))
    assert list(errors) == ["type"]


def test_data_is_checked_against_its_own_type():
    # A project's number, checked as a customer's number.
    raw = message("project.changed", type="customer.changed")
    assert list(field_errors(raw)) == ["data.number"]


@pytest.mark.parametrize("raw", [None, [], "message", 42])
def test_a_message_must_be_an_object(raw):
    with pytest.raises(InvalidMessage, match=r"^message #\? \(type \?\): message: Not a JSON"):
        parse_message(raw)


def test_a_description_may_run_over_several_lines_but_not_carry_other_control_characters():
    multi_line = message("invoice.finalized")
    multi_line["data"]["description"] = "Konsulentbistand november\r\nProsjekt\t2026-017"
    multi_line["data"]["lines"][0]["description"] = "Rådgivning\n10 timer"
    assert parse_message(multi_line).data.description.startswith("Konsulentbistand")

    escaped = message("invoice.finalized")
    escaped["data"]["description"] = "Konsulentbistand \x1b[31m"
    with pytest.raises(InvalidMessage, match=r"data\.description: Contains the control"):
        parse_message(escaped)


@pytest.mark.parametrize("message_type", MESSAGE_TYPES)
@pytest.mark.parametrize("data", [True, 3, "text", [], None])
def test_data_that_is_not_an_object_is_refused_naming_it(message_type, data):
    with pytest.raises(InvalidMessage, match="data: "):
        parse_message(message(message_type, data=data))
