"""Voucher documentation: upload a PDF (`PUT /VoucherDocumentation?id=`), ask what a
voucher has (`GET /VoucherDocumentation`), download it as a zip (`.../Download`).

Uploads: PDF only, at most 30 MB (taken as 30 MiB), one PDF per voucher: an upload
replaces it. Vouchers a person booked may instead have scanned pages (JPEG images only) or
an EHF invoice whose pages are rendered as images (`books.Documentation`). A download
holds the files of the type asked for (`All`: every file); a voucher without any is 404.
Page images are named with their sort order (`{VoucherNo}_{order}.jpg`, 0 the main page);
the zip lists them last page first, since nothing promises a reader any order but the
names'.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePosixPath
from typing import Any

from werkzeug.wrappers import Response

from sandbox.simulator.books import PDF_MAGIC
from sandbox.simulator.responses import (
    ApiError,
    bad_parameter,
    json_response,
    no_content,
    not_found,
)
from sandbox.simulator.routing import Context, Route
from sandbox.simulator.store import ClientState, Document, Voucher

MAX_PDF_BYTES = 30 * 1024 * 1024
# Room for the multipart framing around the largest acceptable file; a bigger body is
# refused before it is parsed.
MAX_BODY_BYTES = MAX_PDF_BYTES + 1024 * 1024
DOCUMENTATION_TYPES = ("Pdf", "Images", "Ehf", "All")
ENTITY_TITLE = "Voucher documentation validation error(s)"


def put_documentation(ctx: Context) -> Response:
    voucher = _voucher(ctx.client, ctx.query.text("id"))
    request = ctx.request
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise _too_large()
    upload = request.files.get("file") if request.mimetype == "multipart/form-data" else None
    if upload is None:
        raise ApiError(
            400, ENTITY_TITLE, "Send multipart/form-data with the PDF in a part named 'file'."
        )
    content = upload.read()
    if len(content) > MAX_PDF_BYTES:
        raise _too_large()
    if not content.startswith(PDF_MAGIC):
        raise ApiError(
            400, ENTITY_TITLE, "Only PDF files can be uploaded as voucher documentation."
        )
    voucher.pdf = Document(_base_name(upload.filename) or f"{voucher.voucher_no}.pdf", content)
    return no_content()


def list_documentation(ctx: Context) -> Response:
    voucher_id, voucher_nos = ctx.query.text("id"), ctx.query.numbers("voucherNo")
    if voucher_id is None and voucher_nos is None:
        raise bad_parameter("id or voucherNo is required.")
    rows = [
        _documentation_row(voucher)
        for voucher in ctx.client.vouchers.values()
        if (voucher_id is None or voucher.id == voucher_id.lower())
        and (voucher_nos is None or voucher.voucher_no in voucher_nos)
    ]
    return json_response(rows) if rows else no_content()


def download_documentation(ctx: Context) -> Response:
    voucher = _voucher(ctx.client, ctx.query.text("id"))
    wanted = ctx.query.text("documentationType") or "All"
    kind = next((name for name in DOCUMENTATION_TYPES if name.lower() == wanted.lower()), None)
    if kind is None:
        raise bad_parameter(f"documentationType must be one of {', '.join(DOCUMENTATION_TYPES)}.")
    files = _files(voucher, kind)
    if not files:
        raise not_found(f"Voucher with id = {voucher.id} has no {kind} documentation.")
    return Response(
        _zipped(files),
        content_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{voucher.voucher_no}.zip"'},
    )


def _voucher(client: ClientState, voucher_id: str | None) -> Voucher:
    if voucher_id is None:
        raise bad_parameter("id is required.")
    voucher = client.vouchers.get(voucher_id.lower())
    if voucher is None:
        raise not_found(f"Voucher with id = {voucher_id} was not found.")
    return voucher


def _too_large() -> ApiError:
    return ApiError(413, "Payload Too Large", "Voucher documentation may be at most 30 MB.")


def _base_name(filename: str | None) -> str:
    # Only the name: a path in an uploaded file name must not end up inside the zip.
    return PurePosixPath((filename or "").replace("\\", "/")).name


def _documentation_row(voucher: Voucher) -> dict[str, Any]:
    return {
        "VoucherId": voucher.id,
        "VoucherNo": voucher.voucher_no,
        "VoucherType": voucher.voucher_type,
        "HasPdf": voucher.pdf is not None,
        "HasImages": bool(voucher.images),
        "HasEhf": voucher.ehf is not None,
        "HasSalesOrderAttachments": False,
        "IsImported": voucher.is_imported,
    }


def _files(voucher: Voucher, kind: str) -> list[Document]:
    pdf = [voucher.pdf] if voucher.pdf is not None else []
    images = list(reversed(voucher.images))
    ehf = [voucher.ehf] if voucher.ehf is not None else []
    return {"Pdf": pdf, "Images": images, "Ehf": ehf, "All": pdf + images + ehf}[kind]


def _zipped(documents: list[Document]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for document in documents:
            archive.writestr(document.filename, document.content)
    return buffer.getvalue()


ROUTES = (
    Route("PUT", "/VoucherDocumentation", put_documentation),
    Route("GET", "/VoucherDocumentation", list_documentation),
    Route("GET", "/VoucherDocumentation/Download", download_documentation),
)
