"""Page images become one PDF for Moment: pure functions, no I/O."""

from __future__ import annotations

import io
import zipfile

import pytest
from PIL import Image, PdfParser

from sync_worker.errors import PermanentError
from sync_worker.expenses.pages import DEFAULT_DPI, UnreadablePage, pages_to_pdf
from sync_worker.poweroffice.resources.voucher_documentation import unpack_images


def jpeg(width: int, mode: str = "RGB", **save: object) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, (width, 50), "white").save(buffer, "JPEG", **save)
    return buffer.getvalue()


def page_widths(pdf: bytes, dpi: float = 72) -> list[float]:
    """Each page's width in pixels, in page order (MediaBox is in points)."""
    parser = PdfParser.PdfParser(buf=pdf)
    return [parser.read_indirect(ref)[b"MediaBox"][2] * dpi / 72 for ref in parser.pages]


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_every_page_in_its_order_in_one_pdf():
    pages = [(f"{n}.jpg", jpeg(40 + n, dpi=(72, 72))) for n in range(3)]

    pdf = pages_to_pdf(pages)

    assert pdf.startswith(b"%PDF-")
    assert page_widths(pdf) == [40, 41, 42]


def test_the_same_pages_give_the_same_bytes():
    pages = [("0.jpg", jpeg(40, dpi=(300, 300)))]
    assert pages_to_pdf(pages) == pages_to_pdf(pages)


def test_a_page_keeps_its_paper_size_from_the_scans_resolution():
    a4_at_200_dpi = jpeg(1654, dpi=(200, 200))
    [width] = page_widths(pages_to_pdf([("0.jpg", a4_at_200_dpi)]), dpi=200)
    assert width == pytest.approx(1654)


def test_a_scan_without_a_resolution_is_taken_as_an_office_scan():
    [width] = page_widths(pages_to_pdf([("0.jpg", jpeg(400))]), dpi=DEFAULT_DPI)
    assert width == pytest.approx(400)


@pytest.mark.parametrize("mode", ["L", "CMYK", "RGB"])
def test_grey_and_print_scans_are_fine(mode):
    assert page_widths(pages_to_pdf([("0.jpg", jpeg(60, mode, dpi=(72, 72)))])) == [60]


def test_an_unreadable_page_is_named():
    with pytest.raises(UnreadablePage, match=r"'3\.jpg'") as raised:
        pages_to_pdf([("0.jpg", jpeg(40)), ("3.jpg", b"\xff\xd8\xff not really")])
    assert isinstance(raised.value, PermanentError)


def test_no_pages_is_a_mistake():
    with pytest.raises(ValueError, match="at least one page"):
        pages_to_pdf([])


def test_pages_are_unpacked_in_sort_order_read_as_numbers():
    names = ["10001_10.jpg", "10001_2.jpg", "10001_0.jpg", "10001_1.JPEG", "note.txt"]
    archive = zipped({name: name.encode() for name in names})

    assert [name for name, _ in unpack_images(archive)] == [
        "10001_0.jpg",
        "10001_1.JPEG",
        "10001_2.jpg",
        "10001_10.jpg",
    ]
    assert unpack_images(b"") == []
