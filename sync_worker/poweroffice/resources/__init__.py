"""One thin module per PowerOffice Go resource; each hangs off `PowerOfficeClient`."""

from sync_worker.poweroffice.resources.account_transactions import AccountTransactions
from sync_worker.poweroffice.resources.accounts import Accounts
from sync_worker.poweroffice.resources.customers import Customers
from sync_worker.poweroffice.resources.departments import Departments
from sync_worker.poweroffice.resources.employees import Employees
from sync_worker.poweroffice.resources.incoming_invoices import IncomingInvoices
from sync_worker.poweroffice.resources.integration import IntegrationInformation
from sync_worker.poweroffice.resources.lock_date import LockDate
from sync_worker.poweroffice.resources.number_series import NumberSeries
from sync_worker.poweroffice.resources.outgoing_invoices import OutgoingInvoices
from sync_worker.poweroffice.resources.projects import Projects
from sync_worker.poweroffice.resources.suppliers import Suppliers
from sync_worker.poweroffice.resources.vat_codes import VatCodes
from sync_worker.poweroffice.resources.voucher_documentation import (
    VoucherDocumentation,
    unpack_pdfs,
)
from sync_worker.poweroffice.resources.vouchers import OutgoingInvoiceJournals

__all__ = [
    "AccountTransactions",
    "Accounts",
    "Customers",
    "Departments",
    "Employees",
    "IncomingInvoices",
    "IntegrationInformation",
    "LockDate",
    "NumberSeries",
    "OutgoingInvoiceJournals",
    "OutgoingInvoices",
    "Projects",
    "Suppliers",
    "VatCodes",
    "VoucherDocumentation",
    "unpack_pdfs",
]
