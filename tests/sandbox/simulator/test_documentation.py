"""Voucher documentation: PDF upload, what a voucher has, and the zip download; scanned
and EHF vouchers with page images."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
import requests

from sandbox.openapi.validator import validate_response
from sandbox.simulator import SimulatorAdminError
from sandbox.simulator.books import page_image
from sandbox.simulator.resources.documentation import MAX_PDF_BYTES
from tests.sandbox.simulator.builders import PDF, Ids, create_customer, invoice_body, post_invoice
from tests.sandbox.simulator.raw import TIMEOUT, data


@pytest.fixture
def voucher(api) -> dict:
    return post_invoice(api, invoice_body(Ids.of(api), create_customer(api)))


def _download(api, voucher_id: str, kind: str = "Pdf") -> requests.Response:
    return api.get("/VoucherDocumentation/Download", id=voucher_id, documentationType=kind)


def _unzip(response: requests.Response) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_upload_then_download_gives_the_exact_bytes(api, voucher):
    assert api.upload(voucher["Id"], PDF, "faktura-10234.pdf").status_code == 204

    response = _download(api, voucher["Id"])

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/zip"
    assert _unzip(response) == {"faktura-10234.pdf": PDF}


def test_documentation_status_of_a_voucher(api, voucher):
    before = data(api.get("/VoucherDocumentation", id=voucher["Id"]))
    api.upload(voucher["Id"], PDF)
    after = data(api.get("/VoucherDocumentation", id=voucher["Id"]))

    assert before[0]["HasPdf"] is False
    assert after == [
        {
            "VoucherId": voucher["Id"],
            "VoucherNo": after[0]["VoucherNo"],
            "VoucherType": "OutgoingInvoice",
            "HasPdf": True,
            "HasImages": False,
            "HasEhf": False,
            "HasSalesOrderAttachments": False,
            "IsImported": True,
        }
    ]
    by_number = data(api.get("/VoucherDocumentation", voucherNo=after[0]["VoucherNo"]))
    assert by_number == after


def test_upload_again_replaces(api, admin, voucher):
    second = PDF.replace(b"Catalog", b"Catalog /Lang (nb)")
    api.upload(voucher["Id"], PDF, "first.pdf")

    api.upload(voucher["Id"], second, "second.pdf")

    assert _unzip(_download(api, voucher["Id"])) == {"second.pdf": second}
    documents = admin.documents(api.client_key, include_bytes=True)
    assert [(row["sha256"], row["content"]) for row in documents] == [
        (hashlib.sha256(second).hexdigest(), second)
    ]


def test_only_pdf_is_accepted(api, voucher):
    response = api.upload(voucher["Id"], b"\x89PNG\r\n\x1a\n not a pdf", "scan.png")

    assert response.status_code == 400
    assert "PDF" in response.json()["detail"]


def test_part_must_be_named_file(api, voucher):
    response = requests.put(
        api.base_url + "/VoucherDocumentation",
        params={"id": voucher["Id"]},
        files={"document": ("a.pdf", PDF, "application/pdf")},
        headers=api.headers(),
        timeout=TIMEOUT,
    )

    assert response.status_code == 400
    assert "'file'" in response.json()["detail"]


def test_30_mb_is_the_limit(api, voucher):
    at_limit = PDF + b"0" * (MAX_PDF_BYTES - len(PDF))

    assert api.upload(voucher["Id"], at_limit).status_code == 204
    too_big = api.upload(voucher["Id"], at_limit + b"0")
    assert too_big.status_code == 413
    assert "30 MB" in too_big.json()["detail"]


def test_unknown_voucher_is_404(api, voucher):
    missing = "00000000-0000-0000-0000-000000000000"

    assert api.upload(missing, PDF).status_code == 404
    assert _download(api, missing).status_code == 404
    assert api.get("/VoucherDocumentation", id=missing).status_code == 204


def test_download_without_pdf_is_404(api, voucher):
    assert _download(api, voucher["Id"]).status_code == 404


def test_only_pdf_documentation_exists(api, voucher):
    api.upload(voucher["Id"], PDF)

    assert _download(api, voucher["Id"], "Images").status_code == 404
    assert _download(api, voucher["Id"], "All").status_code == 200
    assert _download(api, voucher["Id"], "Video").status_code == 400


def test_id_or_voucher_no_is_required(api):
    assert api.get("/VoucherDocumentation").status_code == 400
    assert api.get("/VoucherDocumentation/Download").status_code == 400


# --- vouchers a person booked: scanned pages and EHF ------------------------------------

PAGES = [page_image(n) for n in range(11)]  # 11 pages, so "10" must sort after "9"


def _booked(admin, client_key: str, **documentation) -> dict:
    return admin.add_supplier_voucher(
        client_key,
        supplier_no=20002,
        voucher_date="2026-11-10",
        lines=[{"account_no": 6540, "net_amount": "100.00", "vat_code": "1"}],
        **documentation,
    )


def _status(api, voucher: dict) -> tuple[bool, bool, bool]:
    [row] = data(api.get("/VoucherDocumentation", id=voucher["Id"]))
    assert validate_response("GET", "/VoucherDocumentation", 200, [row]) == []
    return row["HasPdf"], row["HasImages"], row["HasEhf"]


def _in_page_order(files: dict[str, bytes]) -> list[bytes]:
    def order(name: str) -> int:
        return int(name.rsplit("_", 1)[1].removesuffix(".jpg"))

    return [files[name] for name in sorted(files, key=order)]


def test_a_scanned_voucher_has_page_images_only(api, admin):
    voucher = _booked(admin, api.client_key, page_images=PAGES)

    assert _status(api, voucher) == (False, True, False)
    assert _download(api, voucher["Id"], "Pdf").status_code == 404
    images = _unzip(_download(api, voucher["Id"], "Images"))
    assert _in_page_order(images) == PAGES
    assert set(images) == {f"{voucher['VoucherNo']}_{n}.jpg" for n in range(11)}
    assert _unzip(_download(api, voucher["Id"], "All")) == images


def test_an_ehf_voucher_has_its_document_and_the_rendered_pages_but_no_pdf(api, admin):
    voucher = _booked(admin, api.client_key, page_images=PAGES[:2], ehf=True, invoice_no="E-77")

    assert _status(api, voucher) == (False, True, True)
    assert _download(api, voucher["Id"], "Pdf").status_code == 404
    assert _in_page_order(_unzip(_download(api, voucher["Id"], "Images"))) == PAGES[:2]
    [ehf] = _unzip(_download(api, voucher["Id"], "Ehf")).values()
    assert b"<cbc:ID>E-77</cbc:ID>" in ehf


def test_a_voucher_with_a_pdf(api, admin):
    voucher = _booked(admin, api.client_key, pdf=PDF, pdf_filename="elkjop.pdf")

    assert _status(api, voucher) == (True, False, False)
    assert _unzip(_download(api, voucher["Id"], "Pdf")) == {"elkjop.pdf": PDF}
    assert _download(api, voucher["Id"], "Images").status_code == 404


def test_pages_must_be_jpeg_and_ehf_must_have_pages(api, admin):
    with pytest.raises(SimulatorAdminError, match="JPEG"):
        _booked(admin, api.client_key, page_images=[PDF])
    with pytest.raises(SimulatorAdminError, match="EHF"):
        _booked(admin, api.client_key, ehf=True)
