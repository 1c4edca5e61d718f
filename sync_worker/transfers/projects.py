"""Projects: found by project code, created when new, patched with only what changed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sync_worker import kinds
from sync_worker.db.models import EntityState
from sync_worker.db.session import session_scope
from sync_worker.errors import WaitingForCustomer
from sync_worker.mapping.projects import project_fields
from sync_worker.mapping.rules import check_project, customer_of_project_missing
from sync_worker.schemas.entities import Project
from sync_worker.transfers import messages
from sync_worker.transfers import state as states
from sync_worker.transfers.context import Transfer
from sync_worker.transfers.entities import EntitySync


class ProjectSync(EntitySync):
    kind = kinds.PROJECT
    entity: Project

    def resource(self) -> Any:
        return self.run.client.projects

    def find(self) -> dict[str, Any] | None:
        return self.run.client.projects.find_by_code(self.number)

    def desired(self, state: EntityState) -> dict[str, Any]:
        department_id = self.run.checked(
            lambda refresh: check_project(
                self.entity, departments=self.run.client.departments.by_code(refresh=refresh)
            )
        )
        return project_fields(
            self.entity,
            customer_id=self._customer_id(),
            department_id=department_id,
            manager_employee_id=self._manager_id(state),
        )

    def local_state(self) -> dict[str, Any]:
        # The price-model override the expense import reads; PowerOffice Go never sees it.
        return {"expenses_billable": self.entity.expenses_billable}

    def _customer_id(self) -> int | None:
        """The project's customer in PowerOffice Go: known here, or looked up by number."""
        number = self.entity.customer_number
        if not number:
            return None
        customer = states.read_state(self.run.tenant.id, kinds.CUSTOMER, number)
        if customer.pogo_id:
            return int(customer.pogo_id)
        found = self.run.client.customers.find_by_number(int(number))
        if found:
            return int(found["Id"])
        with session_scope() as session:
            on_its_way = messages.has_pending_message(
                session, self.run.tenant.id, kinds.CUSTOMER, number
            )
        if on_its_way:
            raise WaitingForCustomer(f"waiting for customer {number} of project {self.number}")
        raise customer_of_project_missing(self.number, number)

    def _manager_id(self, state: EntityState) -> int | None:
        email = self.entity.owner_email
        if not email:
            return None
        employee = self.run.client.employees.find_by_email(email)
        if employee is None:
            self.run.record(
                state.id,
                "project owner",
                "warning",
                f"no employee in PowerOffice Go has the e-mail {email}; the project is "
                "transferred without a project manager",
            )
            return None
        return int(employee["Id"])


def sync_project(
    run: Transfer, project: Project, *, occurred_at: dt.datetime, version: int | None
) -> EntityState:
    return ProjectSync(run, project).sync(occurred_at=occurred_at, version=version)
