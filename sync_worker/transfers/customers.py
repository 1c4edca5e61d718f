"""Customers: found by customer number, created when new, patched with only what changed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sync_worker import kinds
from sync_worker.db.models import EntityState
from sync_worker.mapping.customers import customer_create_body, customer_fields
from sync_worker.mapping.references import external_import_reference
from sync_worker.mapping.rules import check_customer, check_customer_fields
from sync_worker.schemas.entities import Customer
from sync_worker.transfers.context import Transfer
from sync_worker.transfers.entities import EntitySync


class CustomerSync(EntitySync):
    kind = kinds.CUSTOMER
    entity: Customer

    def resource(self) -> Any:
        return self.run.client.customers

    def find(self) -> dict[str, Any] | None:
        return self.run.client.customers.find_by_number(int(self.number))

    def desired(self, state: EntityState) -> dict[str, Any]:
        check_customer_fields(self.entity)
        return customer_fields(self.entity)

    def create_body(self, desired: dict[str, Any]) -> dict[str, Any]:
        delivery_type = self.run.tenant.invoice_delivery_type
        self.run.checked(
            lambda refresh: check_customer(
                self.entity,
                delivery_type=delivery_type,
                number_series=self.run.client.number_series.customer_numbers(refresh=refresh),
            )
        )
        return customer_create_body(
            self.entity,
            external_reference=external_import_reference(
                self.run.tenant.code, self.kind, self.number
            ),
            delivery_type=delivery_type,
        )

    def extra_state(self, pogo: dict[str, Any], state: EntityState) -> dict[str, Any]:
        # The voucher's CustomerAccountId is the customer's sub-ledger account.
        ledger = pogo.get("SubledgerAccountId") or state.pogo_ledger_id
        return {"pogo_ledger_id": str(ledger) if ledger is not None else None}


def sync_customer(
    run: Transfer, customer: Customer, *, occurred_at: dt.datetime, version: int | None
) -> EntityState:
    return CustomerSync(run, customer).sync(occurred_at=occurred_at, version=version)
