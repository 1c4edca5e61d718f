"""Messages from Moment: the contract's schemas, the entities they build, their snapshots."""

from sync_worker.schemas.entities import (
    Accrual,
    Address,
    Attachment,
    Customer,
    Entity,
    Envelope,
    Invoice,
    InvoiceLine,
    Project,
)
from sync_worker.schemas.messages import parse_message
from sync_worker.schemas.snapshots import content_hash, snapshot

__all__ = [
    "Accrual",
    "Address",
    "Attachment",
    "Customer",
    "Entity",
    "Envelope",
    "Invoice",
    "InvoiceLine",
    "Project",
    "content_hash",
    "parse_message",
    "snapshot",
]
