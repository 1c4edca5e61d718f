from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync_worker.mapping import external_import_reference

KINDS = st.sampled_from(["customer", "project", "invoice", "credit_note"])
TEXT = st.text(min_size=1, max_size=80)


@pytest.mark.parametrize(
    ("tenant", "kind", "number", "expected"),
    [
        ("acme", "invoice", "10234", "moment:acme:invoice:10234"),
        ("acme", "credit_note", "10240", "moment:acme:credit_note:10240"),
        ("acme", "project", "2026-017", "moment:acme:project:2026-017"),
    ],
)
def test_short_references_read_plainly(tenant, kind, number, expected):
    assert external_import_reference(tenant, kind, number) == expected


def test_a_long_reference_is_cut_to_fifty_with_a_hash():
    reference = external_import_reference("a-very-long-tenant-code-indeed", "credit_note", "123456")

    assert len(reference) == 50
    head, digest = reference.split("~")
    assert "moment:a-very-long-tenant-code-indeed:credit_note:123456".startswith(head)
    assert len(digest) == 12


@given(TEXT, KINDS, TEXT)
def test_references_are_stable_and_fit(tenant, kind, number):
    reference = external_import_reference(tenant, kind, number)
    assert len(reference) <= 50
    assert reference == external_import_reference(tenant, kind, number)


@given(st.text(min_size=60, max_size=60), st.text(min_size=1, max_size=10), st.data())
def test_long_references_differing_only_at_the_end_stay_apart(tenant, number, data):
    other = data.draw(st.text(min_size=1, max_size=10).filter(lambda n: n != number))
    assert external_import_reference(tenant, "invoice", number) != external_import_reference(
        tenant, "invoice", other
    )
