"""The registry of entity kinds: for each, the message that carries it, the schema of its
data, the task and transfer steps that move it, and how a person calls it.

Everything that differs between kinds is read from here: the contract (which message types
exist and how their data is checked), the producer (which task a message goes to), the
runner (whether a newer version supersedes an older one), the CLI's choices, the error
e-mail's words, and the operator's re-transfer. Adding a kind is one module with its
schema and transfer steps, one `register` line in `sync_worker.transfers.registry`, and
its Celery task: a name in `config/tasks.py` and a three-line module in `tasks/` (a test
fails until the two agree).

A kind's `name` is stored in the database with every message and state: never rename one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from config.tasks import TaskName

if TYPE_CHECKING:
    from marshmallow import Schema

CUSTOMER = "customer"
PROJECT = "project"
INVOICE = "invoice"
CREDIT_NOTE = "credit_note"


@dataclass(frozen=True)
class Kind:
    name: str
    message_type: str
    label: str  # as a person reads it: "credit note"
    schema: type[Schema]  # checks the message's `data` and builds the entity
    task: TaskName  # the Celery task that transfers one message of this kind
    # (Transfer, EntityState) -> bool: the transfer steps; True once the message is done.
    handler: Callable[..., bool]
    # A newer version makes an older message stale before it runs: the entity is sent
    # whole each time (customers, projects), unlike a finalized invoice.
    versioned: bool = False
    retransferable: bool = False  # an operator may send it again by number (Setup > Tools)


_registry: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    """Add a kind; its name and message type must be new."""
    types = {known.message_type for known in _registry.values()}
    if kind.name in _registry or kind.message_type in types:
        raise ValueError(f"kind {kind.name} or message type {kind.message_type} is taken")
    _registry[kind.name] = kind
    return kind


def get(name: str) -> Kind:
    kinds = _loaded()
    if name not in kinds:
        raise ValueError(f"unknown kind {name!r}; the kinds are {', '.join(kinds)}")
    return kinds[name]


def for_message_type(message_type: Any) -> Kind | None:
    return next((kind for kind in _loaded().values() if kind.message_type == message_type), None)


def all_kinds() -> tuple[Kind, ...]:
    return tuple(_loaded().values())


def names(*, retransferable: bool | None = None) -> tuple[str, ...]:
    """The kinds' names, or those an operator may (or may not) re-transfer."""
    return tuple(
        kind.name
        for kind in _loaded().values()
        if retransferable is None or kind.retransferable == retransferable
    )


def _loaded() -> dict[str, Kind]:
    # The built-in kinds register themselves on first use; importing them here at the top
    # would tie this small module to every schema and transfer step.
    import sync_worker.transfers.registry  # noqa: F401

    return _registry
