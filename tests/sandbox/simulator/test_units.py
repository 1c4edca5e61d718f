"""Pure parts of the simulator, without HTTP."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sandbox.simulator import jsonio
from sandbox.simulator.faults import FaultConfig
from sandbox.simulator.jsonpatch import apply_patch
from sandbox.simulator.query import NumberRanges
from sandbox.simulator.ratelimit import max_in_window
from sandbox.simulator.responses import ApiError
from sandbox.simulator.seed import norwegian_setup
from sync_worker.norway import is_valid_organization_number


def test_json_keeps_decimals_exact():
    text = jsonio.dumps({"a": Decimal("1250.10"), "b": Decimal("1E+2"), "c": [Decimal("-0.005")]})

    assert text == '{"a":1250.10,"b":100,"c":[-0.005]}'
    assert jsonio.loads(text)["a"] == Decimal("1250.10")


def test_json_refuses_nan():
    with pytest.raises(ValueError):
        jsonio.loads('{"a": NaN}')


def test_number_ranges():
    ranges = NumberRanges.parse("10000-11000, 12000, 13000-")

    assert [n in ranges for n in (9999, 10000, 11000, 11001, 12000, 12999, 13000, 10**9)] == [
        False, True, True, False, True, False, True, True,
    ]  # fmt: skip


@pytest.mark.parametrize("text", ["", "a", "1-2-3", "-", " , "])
def test_malformed_number_ranges(text):
    with pytest.raises(ApiError):
        NumberRanges.parse(text)


def test_max_in_window():
    assert max_in_window([]) == 0
    assert max_in_window([0.0, 0.5, 0.99, 1.0, 1.2]) == 4
    assert max_in_window([3.0, 0.0, 1.0, 2.0]) == 1


def test_patch_arrays_move_and_copy():
    document = {"Tags": ["a", "b"], "Name": "x", "Other": None}

    patched = apply_patch(
        document,
        [
            {"op": "add", "path": "/tags/-", "value": "c"},
            {"op": "add", "path": "/Tags/0", "value": "z"},
            {"op": "remove", "path": "/Tags/1"},
            {"op": "copy", "from": "/Name", "path": "/Other"},
            {"op": "move", "from": "/Tags/0", "path": "/Name"},
        ],
        "Dto",
    )

    assert patched == {"Tags": ["b", "c"], "Name": "z", "Other": "x"}
    assert document == {"Tags": ["a", "b"], "Name": "x", "Other": None}


@pytest.mark.parametrize(
    "operations",
    [
        {"op": "replace"},
        [{"op": "frobnicate", "path": "/Name"}],
        [{"op": "replace", "path": "/Name"}],
        [{"op": "replace", "path": "/Tags/5", "value": 1}],
        [{"op": "replace", "path": "Name", "value": 1}],
    ],
)
def test_bad_patches(operations):
    with pytest.raises(ApiError) as raised:
        apply_patch({"Name": "x", "Tags": []}, operations, "Dto")

    assert raised.value.status == 400


def test_seed_organisation_numbers_pass_mod11():
    assert all(
        is_valid_organization_number(s.organization_number) for s in norwegian_setup().suppliers
    )


def test_fault_config_from_admin_json():
    config = FaultConfig.from_dict({"error_rate": Decimal("0.25"), "error_paths": ["/Customers"]})

    assert config.error_rate == 0.25
    assert config.error_paths == ("/Customers",)
    with pytest.raises(ValueError, match="5xx"):
        FaultConfig(error_statuses=(404,))
