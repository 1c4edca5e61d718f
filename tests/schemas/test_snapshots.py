from __future__ import annotations

import json
import uuid
from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync_worker.schemas import content_hash, parse_message, snapshot
from tests.schemas.examples import entity, message


def _replace_line(invoice, **changes):
    return replace(invoice, lines=(replace(invoice.lines[0], **changes), *invoice.lines[1:]))


def test_snapshot_is_json_with_the_contract_names():
    invoice = entity("invoice.finalized")
    shot = snapshot(invoice)

    assert json.loads(json.dumps(shot)) == shot
    assert shot["lines"][0]["accrual"] == {"from": "2026-11-01", "to": "2026-11-30"}
    assert shot["lines"][0]["amount"] == "10000"
    assert shot["invoice_date"] == "2026-11-25"
    assert shot["attachment"]["content_sha256"] == (
        "b5298add21d1821044d66aa082caa822ae5b4fcb086597ac6fb62956b64a7e9b"
    )
    assert "content" not in shot["attachment"]


@pytest.mark.parametrize(
    ("message_type", "left_out"),
    [("customer.changed", "state"), ("project.changed", "expenses_billable")],
)
def test_snapshot_leaves_out_what_is_not_transferred(message_type, left_out):
    assert left_out not in snapshot(entity(message_type))


@pytest.mark.parametrize("message_type", ["customer.changed", "project.changed"])
def test_the_same_content_hashes_the_same(message_type):
    first = parse_message(message(message_type)).data
    second = parse_message(message(message_type, message_id=str(uuid.uuid4()), version=1))
    assert content_hash(first) == content_hash(second.data)
    assert len(content_hash(first)) == 64


def test_a_customer_hashes_the_same_inside_an_invoice():
    assert content_hash(entity("invoice.finalized").customer) == content_hash(
        entity("customer.changed")
    )


CUSTOMER_CHANGES = [
    {"name": "Fjordkraft AS"},
    {"number": "10002"},
    {"organization_number": None},
    {"contact_email": "post@fjordkraft.no"},
    {"invoice_email": None},
    {"address": None},
]


@pytest.mark.parametrize("changes", CUSTOMER_CHANGES)
def test_a_customer_change_changes_the_hash(changes):
    customer = entity("customer.changed")
    assert content_hash(replace(customer, **changes)) != content_hash(customer)


def test_an_address_change_changes_the_hash():
    customer = entity("customer.changed")
    moved = replace(customer, address=replace(customer.address, city="Bergen"))
    assert content_hash(moved) != content_hash(customer)


@pytest.mark.parametrize(
    "changes",
    [
        {"name": "Ny nettside"},
        {"state": "finished"},
        {"customer_number": "10002"},
        {"department_code": None},
        {"owner_email": "ola@acme.no"},
    ],
)
def test_a_project_change_changes_the_hash(changes):
    project = entity("project.changed")
    assert content_hash(replace(project, **changes)) != content_hash(project)


@pytest.mark.parametrize(
    ("message_type", "changes"),
    [
        ("customer.changed", {"state": "inactive"}),
        ("project.changed", {"expenses_billable": True}),
    ],
)
def test_a_change_that_is_not_transferred_keeps_the_hash(message_type, changes):
    original = entity(message_type)
    assert content_hash(replace(original, **changes)) == content_hash(original)


def test_an_invoice_change_anywhere_changes_the_hash():
    invoice = entity("invoice.finalized")
    changed = [
        replace(invoice, kid=None),
        replace(invoice, total_incl_vat=Decimal("12500.01")),
        replace(invoice, customer=replace(invoice.customer, name="Fjordkraft AS")),
        replace(invoice, project=None),
        replace(invoice, attachment=replace(invoice.attachment, content=b"%PDF-1.7\n")),
        _replace_line(invoice, vat_code=None),
        _replace_line(invoice, accrual=None),
        _replace_line(invoice, discount_percent=Decimal("10")),
    ]
    hashes = {content_hash(invoice), *(content_hash(other) for other in changed)}
    assert len(hashes) == len(changed) + 1


@given(
    st.decimals(
        allow_nan=False, allow_infinity=False, places=2, min_value=-(10**9), max_value=10**9
    ),
    st.integers(0, 4),
)
def test_equal_amounts_hash_the_same_however_written(amount, extra_zeros):
    invoice = entity("invoice.finalized")
    written_longer = amount.quantize(Decimal(10) ** -(2 + extra_zeros))
    assert content_hash(_replace_line(invoice, amount=amount)) == content_hash(
        _replace_line(invoice, amount=written_longer)
    )


@pytest.mark.parametrize(("a", "b"), [("100", "1E+2"), ("0", "-0.00"), ("1250.50", "1250.5")])
def test_decimal_spellings_share_one_snapshot(a, b):
    invoice = entity("invoice.finalized")
    assert snapshot(replace(invoice, total_incl_vat=Decimal(a))) == snapshot(
        replace(invoice, total_incl_vat=Decimal(b))
    )
