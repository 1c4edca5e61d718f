"""PowerOffice Go's field limits for what this integration sends, from its published v2
OpenAPI (`maxLength`); a test holds each one to the spec, so none drifts from it.

A value over its limit is refused before anything is sent, with a message naming the field.
"""

from __future__ import annotations

# ContactAddressPostDto, the customer's MailAddress
ADDRESS_LINE_LENGTH = 200
CITY_LENGTH = 100
ZIP_CODE_LENGTH = 50
# OutgoingInvoiceVoucherDto's Cid is the KID: its limit is norway.KID_MAX_LENGTH, which the
# contract checks at the door (tests/poweroffice/test_limits.py holds it to the spec).
# CustomerPostDto and the vouchers' duplicate guard
EXTERNAL_IMPORT_REFERENCE_LENGTH = 50
# PUT /VoucherDocumentation: "PDF only, ≤ 30 MB" (reference section 8; not in the schema)
MEBIBYTE = 1024 * 1024
ATTACHMENT_BYTES = 30 * MEBIBYTE
