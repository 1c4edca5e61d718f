"""The recorded steps of an invoice or credit note transfer, each written to the entity's
state before the next begins: what a re-run, the reconciliation and an operator read."""

from __future__ import annotations

VOUCHER_REQUESTED = "voucher_requested"
VOUCHER_POSTED = "voucher_posted"
ATTACHMENT_UPLOADED = "attachment_uploaded"
POSTED_STEPS = (VOUCHER_POSTED, ATTACHMENT_UPLOADED)
