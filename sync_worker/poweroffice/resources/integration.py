"""What PowerOffice Go says about this integration for this client
(`/ClientIntegrationInformation`): never cached, since it is how a key is checked."""

from __future__ import annotations

from sync_worker.poweroffice.resources.base import Resource


class IntegrationInformation(Resource):
    path = "/ClientIntegrationInformation"

    def get(self) -> dict:
        """`ClientName`, `ValidPrivileges`, `InvalidPrivileges`, … (lists may be null)."""
        return self._client.request("GET", self.path).record()
