"""Voucher documentation (`/VoucherDocumentation`): the PDF on a voucher, both ways."""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePosixPath

from sync_worker.errors import ExportRefused, PermanentError
from sync_worker.poweroffice.resources.base import Resource

MAX_PDF_BYTES = 30 * 1024 * 1024  # PowerOffice Go's limit per upload


class VoucherDocumentation(Resource):
    path = "/VoucherDocumentation"

    def upload(self, voucher_id: str, filename: str, pdf: bytes) -> None:
        """Attach `pdf` to a voucher this integration posted; a repeat replaces it."""
        _check_pdf(filename, pdf)
        files = {"file": (filename, pdf, "application/pdf")}
        self._client.request("PUT", self.path, params={"id": voucher_id}, files=files)

    def list(self, voucher_id: str) -> list[dict]:
        """What documentation a voucher has (`HasPdf`, `HasImages`, …)."""
        return self._client.request("GET", self.path, params={"id": voucher_id}).items

    def download(self, voucher_id: str, documentation_type: str = "Pdf") -> bytes:
        """The voucher's documentation as a zip archive (see `unpack_pdfs`)."""
        params = {"id": voucher_id, "documentationType": documentation_type}
        return self._client.request("GET", f"{self.path}/Download", params=params).content


def unpack_pdfs(archive: bytes) -> list[tuple[str, bytes]]:
    """The PDFs in a downloaded archive as (file name, bytes), in name order."""
    if not archive:
        return []
    try:
        with zipfile.ZipFile(io.BytesIO(archive)) as bundle:
            members = sorted(bundle.infolist(), key=lambda info: info.filename)
            return [_read_pdf(bundle, info) for info in members if _is_pdf(info)]
    except zipfile.BadZipFile as exc:
        raise PermanentError("GET /VoucherDocumentation/Download: answer is not a zip") from exc


def _is_pdf(info: zipfile.ZipInfo) -> bool:
    return not info.is_dir() and info.filename.lower().endswith(".pdf")


def _read_pdf(bundle: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[str, bytes]:
    if info.file_size > MAX_PDF_BYTES:  # no PDF PowerOffice Go took can be larger
        raise PermanentError(f"voucher documentation {info.filename!r} is implausibly large")
    # Only the base name: a caller writing files must not follow paths from the archive.
    return PurePosixPath(info.filename).name, bundle.read(info)


def _check_pdf(filename: str, pdf: bytes) -> None:
    operation = "PUT /VoucherDocumentation"
    if b"%PDF-" not in pdf[:1024]:
        raise ExportRefused(f"{operation}: {filename} is not a PDF (PowerOffice Go takes PDF only)")
    if len(pdf) > MAX_PDF_BYTES:
        size = f"{len(pdf) / 2**20:.1f} MB"
        raise ExportRefused(f"{operation}: {filename} is {size}, PowerOffice Go takes up to 30 MB")
