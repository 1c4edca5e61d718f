"""PowerOffice Go's v2 resources, one module each; `ROUTES` are relative to `/v2`."""

from sandbox.simulator.resources import (
    customers,
    documentation,
    incoming_invoices,
    integration,
    projects,
    reference,
    transactions,
    vouchers,
)

ROUTES = (
    customers.ROUTES
    + projects.ROUTES
    + reference.ROUTES
    + vouchers.ROUTES
    + documentation.ROUTES
    + transactions.ROUTES
    + incoming_invoices.ROUTES
    + integration.ROUTES
)
