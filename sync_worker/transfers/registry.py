"""The built-in kinds (see `sync_worker.kinds`): one line each."""

from __future__ import annotations

from config import tasks
from sync_worker import kinds
from sync_worker.kinds import Kind
from sync_worker.schemas.messages import (
    CreditNoteSchema,
    CustomerSchema,
    InvoiceSchema,
    ProjectSchema,
)
from sync_worker.transfers.customers import CustomerSync
from sync_worker.transfers.invoices import transfer_voucher
from sync_worker.transfers.projects import ProjectSync

CUSTOMER = kinds.register(
    Kind(
        kinds.CUSTOMER,
        "customer.changed",
        "customer",
        CustomerSchema,
        tasks.TRANSFER_CUSTOMER,
        CustomerSync.handle_message,
        versioned=True,
        retransferable=True,
    )
)
PROJECT = kinds.register(
    Kind(
        kinds.PROJECT,
        "project.changed",
        "project",
        ProjectSchema,
        tasks.TRANSFER_PROJECT,
        ProjectSync.handle_message,
        versioned=True,
        retransferable=True,
    )
)
INVOICE = kinds.register(
    Kind(
        kinds.INVOICE,
        "invoice.finalized",
        "invoice",
        InvoiceSchema,
        tasks.TRANSFER_INVOICE,
        transfer_voucher,
    )
)
CREDIT_NOTE = kinds.register(
    Kind(
        kinds.CREDIT_NOTE,
        "credit_note.finalized",
        "credit note",
        CreditNoteSchema,
        tasks.TRANSFER_CREDIT_NOTE,
        transfer_voucher,
    )
)
