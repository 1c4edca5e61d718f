"""From Moment's entities to PowerOffice Go's request bodies: pure functions, no I/O.

`rules` checks an entity before anything is written and resolves the ids the bodies need;
`customers`, `projects` and `invoices` build the bodies; `json_patch` turns a change into
the `PATCH` PowerOffice Go takes; `external_import_reference` names what we create.
"""

from sync_worker.mapping.customers import customer_create_body, customer_fields
from sync_worker.mapping.invoices import voucher_body
from sync_worker.mapping.patches import json_patch
from sync_worker.mapping.projects import PROJECT_STATUS, project_fields
from sync_worker.mapping.references import external_import_reference
from sync_worker.mapping.rules import InvoiceIds, check_customer, check_invoice, check_project

__all__ = [
    "PROJECT_STATUS",
    "InvoiceIds",
    "check_customer",
    "check_invoice",
    "check_project",
    "customer_create_body",
    "customer_fields",
    "external_import_reference",
    "json_patch",
    "project_fields",
    "voucher_body",
]
