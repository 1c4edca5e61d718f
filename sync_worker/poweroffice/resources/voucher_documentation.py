"""Voucher documentation (`/VoucherDocumentation`): the PDF on a voucher, both ways, and
the page images of a scanned or EHF voucher."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from pathlib import PurePosixPath

from sync_worker.errors import ExportRefused, PermanentError, TransientError
from sync_worker.poweroffice.limits import ATTACHMENT_BYTES, MEBIBYTE
from sync_worker.poweroffice.resources.base import Resource
from sync_worker.poweroffice.transport import HTML

IMAGE_SUFFIXES = (".jpg", ".jpeg")
# The published v2 OpenAPI's answers to a PUT that stored the file; none has a body.
STORED = (202, 204)
_NUMBER = re.compile(r"(\d+)")


class VoucherDocumentation(Resource):
    path = "/VoucherDocumentation"

    def upload(self, voucher_id: str, filename: str, pdf: bytes) -> None:
        """Attach `pdf` to a voucher this integration posted; a repeat replaces it."""
        _check_pdf(filename, pdf)
        files = {"file": (filename, pdf, "application/pdf")}
        response = self._client.request("PUT", self.path, params={"id": voucher_id}, files=files)
        # A gateway's 200 with its own page stored nothing: only the spec's answer is done.
        response.expect_empty(*STORED)

    def list(self, voucher_id: str) -> list[dict]:
        """What documentation a voucher has (`HasPdf`, `HasImages`, …)."""
        return self._client.request("GET", self.path, params={"id": voucher_id}).items

    def download(self, voucher_id: str, documentation_type: str = "Pdf") -> bytes:
        """The voucher's documentation as a zip archive (see `unpack_pdfs`, and
        `unpack_images` for `documentation_type="Images"`)."""
        params = {"id": voucher_id, "documentationType": documentation_type}
        response = self._client.request("GET", f"{self.path}/Download", params=params)
        if response.status != 204 and response.media_type == HTML:
            raise response.not_the_answer("an HTML page instead of an archive")
        return response.content


def unpack_pdfs(archive: bytes) -> list[tuple[str, bytes]]:
    """The PDFs in a downloaded archive as (file name, bytes), in name order."""
    return _unpack(archive, (".pdf",), key=lambda name: name)


def unpack_images(archive: bytes) -> list[tuple[str, bytes]]:
    """The JPEG page images in a downloaded archive as (file name, bytes), in page order.

    The sort order is in the file name (0 the main page), which is read as a number, so
    that page 10 follows page 9; the order of the archive itself promises nothing.
    """
    return _unpack(archive, IMAGE_SUFFIXES, key=_page_order)


def _unpack(
    archive: bytes, suffixes: tuple[str, ...], key: Callable[[str], object]
) -> list[tuple[str, bytes]]:
    if not archive:
        return []
    try:
        with zipfile.ZipFile(io.BytesIO(archive)) as bundle:
            members = [info for info in bundle.infolist() if _is_file(info, suffixes)]
            members.sort(key=lambda info: key(info.filename))
            return [_read(bundle, info) for info in members]
    except zipfile.BadZipFile as exc:
        # A download cut short, or a gateway's answer in its place: the next import asks again.
        raise TransientError("GET /VoucherDocumentation/Download: answer is not a zip") from exc


def _page_order(name: str) -> list[int | str]:
    """'10001_10.jpg' → ['', 10001, '_', 10, '.jpg']: names compared number by number."""
    return [int(part) if part.isdigit() else part.lower() for part in _NUMBER.split(name)]


def _is_file(info: zipfile.ZipInfo, suffixes: tuple[str, ...]) -> bool:
    return not info.is_dir() and info.filename.lower().endswith(suffixes)


def _read(bundle: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[str, bytes]:
    # No file PowerOffice Go keeps is larger than what it takes in an upload.
    if info.file_size > ATTACHMENT_BYTES:
        raise PermanentError(f"voucher documentation {info.filename!r} is implausibly large")
    # Only the base name: a caller writing files must not follow paths from the archive.
    return PurePosixPath(info.filename).name, bundle.read(info)


def _check_pdf(filename: str, pdf: bytes) -> None:
    operation = "PUT /VoucherDocumentation"
    if b"%PDF-" not in pdf[:1024]:
        raise ExportRefused(f"{operation}: {filename} is not a PDF (PowerOffice Go takes PDF only)")
    if len(pdf) > ATTACHMENT_BYTES:
        size, limit = f"{len(pdf) / MEBIBYTE:.1f} MB", f"{ATTACHMENT_BYTES // MEBIBYTE} MB"
        raise ExportRefused(
            f"{operation}: {filename} is {size}, PowerOffice Go takes up to {limit}"
        )
