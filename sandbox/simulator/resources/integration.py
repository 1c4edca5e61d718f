"""`GET /ClientIntegrationInformation`, and the privileges behind every other endpoint.

PowerOffice Go grants an integration one privilege per module ("Auth roles" in the spec:
`Customer_Full`, `GeneralLedgerAccount`, `CommonServices`, …). Which ones this client
lacks is set through the admin API; the information endpoint lists them, and a request
that needs one of them is answered `403`, as PowerOffice Go answers it.
"""

from __future__ import annotations

import uuid

from werkzeug.wrappers import Response

from sandbox.simulator.responses import ApiError, json_response
from sandbox.simulator.routing import Context, Route
from sandbox.simulator.store import ClientState

# The privilege each endpoint needs, by its first path segment (lowercased, as routed).
PRIVILEGE_BY_RESOURCE = {
    "customers": "Customer_Full",
    "projects": "Project_Full",
    "departments": "Department",
    "employees": "Employee",
    "generalledgeraccounts": "GeneralLedgerAccount",
    "vatcodes": "CommonServices",
    "lockdatesettings": "CommonServices",
    "subledgernumberseries": "CommonServices",
    "vouchers": "OutgoingInvoiceVoucher_Full",
    "outgoinginvoices": "OutgoingInvoice",
    "voucherdocumentation": "VoucherDocumentation_Full",
    "accounttransactions": "AccountTransaction",
    "incominginvoices": "IncomingInvoice",
    "suppliers": "Supplier",
}
PRIVILEGES = tuple(dict.fromkeys(PRIVILEGE_BY_RESOURCE.values()))
SUBSCRIPTIONS = ("Accounting", "Invoicing", "Project", "Expense")


def information(ctx: Context) -> Response:
    client = ctx.client
    invalid = sorted(client.invalid_privileges)
    return json_response(
        {
            "ClientId": str(uuid.uuid5(uuid.NAMESPACE_URL, client.client_key)),
            "ClientName": client.name,
            "ActiveClientSubscriptions": list(SUBSCRIPTIONS),
            "ValidPrivileges": [name for name in PRIVILEGES if name not in invalid],
            "InvalidPrivileges": invalid,
        }
    )


def refuse_without_privilege(relative_path: str, client: ClientState) -> None:
    """Raise the `403` of a request whose privilege the integration lacks for `client`."""
    resource = relative_path.strip("/").split("/", 1)[0]
    privilege = PRIVILEGE_BY_RESOURCE.get(resource)
    if privilege in client.invalid_privileges:
        raise ApiError(
            403,
            "Forbidden",
            f"The integration lacks the privilege {privilege} for this client.",
        )


ROUTES = (Route("GET", "/ClientIntegrationInformation", information),)
