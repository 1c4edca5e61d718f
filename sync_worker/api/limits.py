"""The HTTP door's limits, read by the door and written into its OpenAPI document."""

from __future__ import annotations

from dataclasses import dataclass

from sync_worker.poweroffice.limits import ATTACHMENT_BYTES


@dataclass(frozen=True)
class Bounds:
    least: int
    most: int
    default: int


# Room for one message with the largest PDF PowerOffice Go takes, base64-encoded (4/3 of
# it), and its lines; a producer sends bigger batches in several requests.
MAX_BODY_BYTES = 2 * ATTACHMENT_BYTES
TRANSFERS = Bounds(1, 1000, 100)  # transfers listed per call
CLAIM = Bounds(1, 500, 100)  # expenses claimed per call
ID_MAX = 2**31 - 1  # the id columns are PostgreSQL integers
