"""The hostile corpus (tests/fixtures/hostile_messages.json): each bad message is refused
with its exact error, stores nothing, and does not keep the good message after it out."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from sync_worker.db.models import Message
from sync_worker.db.session import session_scope
from sync_worker.poweroffice import limits
from sync_worker.producer import PublishResult, publish, publish_many, publish_text
from sync_worker.tenants import add_tenant
from tests.conftest import BROKER_KEY_PREFIX
from tests.schemas.examples import PDF_BYTES, message
from tests.support.worker import clear_broker

CORPUS = json.loads((Path(__file__).parents[1] / "fixtures" / "hostile_messages.json").read_text())
CASES = CORPUS["cases"]
GOOD_ID = "5d0c1f7e-3a9b-4c2d-8e1f-6a7b8c9d0e1f"


def build(value: Any) -> Any:
    """A fixture value with its generators ("$repeat", ...) expanded."""
    if isinstance(value, dict):
        if "$repeat" in value:
            return value["$repeat"] * value["times"]
        if "$base64_of" in value:
            return base64.b64encode(value["$base64_of"].encode()).decode()
        if "$oversize_pdf_base64" in value:
            oversize = PDF_BYTES.ljust(limits.ATTACHMENT_BYTES + 1, b"\0")
            return base64.b64encode(oversize).decode()
        return {key: build(item) for key, item in value.items()}
    if isinstance(value, list):
        return [build(item) for item in value]
    return value


def _parent(raw: dict[str, Any], path: str) -> tuple[Any, str | int]:
    *parents, last = (int(key) if key.isdigit() else key for key in path.split("."))
    for key in parents:
        raw = raw[key]
    return raw, last


def bad_message(case: dict[str, Any]) -> dict[str, Any]:
    raw = message(case["base"])
    for path, value in case.get("set", {}).items():
        parent, key = _parent(raw, path)
        parent[key] = build(value)
    for path in case.get("delete", []):
        parent, key = _parent(raw, path)
        del parent[key]
    return raw


def bad_text(case: dict[str, Any]) -> str:
    if "text" in case:
        return case["text"]
    text = json.dumps(bad_message(case), ensure_ascii=False)
    for old, new in case["replace"]:
        assert old in text, f"{case['name']}: {old!r} is not in the message"
        text = text.replace(old, new, 1)
    return text


@pytest.fixture
def acme(clean_db, redis_base_url) -> None:
    clear_broker(f"{redis_base_url}/13", BROKER_KEY_PREFIX)
    with session_scope() as session:
        add_tenant(session, "acme", "client-key")


def stored() -> dict[str, Any]:
    with session_scope() as session:
        return dict(session.execute(select(Message.id, Message.payload)).all())


def publish_with_a_good_one_after(case: dict[str, Any]) -> tuple[PublishResult, PublishResult]:
    good = message("customer.changed", message_id=GOOD_ID)
    if "text" in case or "replace" in case:
        labelled = publish_text(f"{bad_text(case)}\n{json.dumps(good)}")
        [(_, bad), (_, after)] = labelled
        return bad, after
    bad, after = publish_many([bad_message(case), good])
    return bad, after


def test_the_corpus_is_at_least_forty_distinct_cases():
    names = [case["name"] for case in CASES]
    assert len(names) >= 40 and len(set(names)) == len(names)


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_a_hostile_message_is_refused_with_its_exact_error_alone(acme, case):
    before = {}
    if case.get("published_before"):
        original = message(case["base"])
        publish(original)
        before = {original["message_id"]: original}
    bad, good = publish_with_a_good_one_after(case)
    assert bad.status == "refused"
    assert bad.error == case["error"]
    assert good.status == "accepted", good.error
    assert stored() == before | {GOOD_ID: message("customer.changed", message_id=GOOD_ID)}
