"""PowerOffice Go v2: the client the transfer tasks use (see `client.py` for the layers)."""

from sync_worker.poweroffice.client import PowerOfficeClient

__all__ = ["PowerOfficeClient"]
