"""`ExternalImportReference`: PowerOffice Go's duplicate guard, derived from what is sent.

The same tenant, kind and number always give the same reference, so a repeated POST (a
retry, a redelivered task, a manual re-transfer) is refused as a duplicate instead of
creating a second customer or voucher.
"""

from __future__ import annotations

import hashlib

from sync_worker.poweroffice.limits import EXTERNAL_IMPORT_REFERENCE_LENGTH

_DIGEST_LENGTH = 12


# How every reference this integration writes begins: what it posted is recognised by it.
REFERENCE_PREFIX = "moment:"


def external_import_reference(tenant: str, kind: str, number: str) -> str:
    """`moment:<tenant>:<kind>:<number>`; when longer than 50, cut short and made unique again
    by a hash of the whole reference."""
    reference = f"{REFERENCE_PREFIX}{tenant}:{kind}:{number}"
    if len(reference) <= EXTERNAL_IMPORT_REFERENCE_LENGTH:
        return reference
    digest = hashlib.sha256(reference.encode()).hexdigest()[:_DIGEST_LENGTH]
    kept = EXTERNAL_IMPORT_REFERENCE_LENGTH - _DIGEST_LENGTH - 1
    return f"{reference[:kept]}~{digest}"
