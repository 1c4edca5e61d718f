"""Page images into one PDF, for Moment. Pure: bytes in, bytes out.

PowerOffice Go keeps most supplier invoices (scans, and EHF invoices rendered for
display) as JPEG page images, not as a PDF, while Moment takes PDF attachments. Pillow
writes a multi-page PDF by itself (img2pdf would bring pikepdf along); it re-encodes each
page as JPEG, at a quality chosen so that a scan stays legible.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from PIL import Image, UnidentifiedImageError

from sync_worker.errors import PermanentError

# A scan's page size follows from its pixels and resolution; a JPEG that states none (or
# only an aspect ratio, as JFIF may) is taken as an ordinary office scan.
DEFAULT_DPI = 200
MIN_PLAUSIBLE_DPI = 50
JPEG_QUALITY = 90
PDF_MODES = ("RGB", "L", "CMYK")  # what Pillow's PDF writer embeds as JPEG


class UnreadablePage(PermanentError):
    """A page image that cannot be read as an image; the message names the page."""


def pages_to_pdf(pages: Sequence[tuple[str, bytes]]) -> bytes:
    """One PDF of `pages` ((file name, image bytes), in page order), a page per image.

    The same pages always give the same bytes (no creation date is written), so a
    re-import never sees a "different" attachment.
    """
    if not pages:
        raise ValueError("a PDF needs at least one page")
    images = [_open(name, content) for name, content in pages]
    buffer = io.BytesIO()
    images[0].save(
        buffer,
        "PDF",
        save_all=True,
        append_images=images[1:],
        resolution=_dpi(images[0]),
        quality=JPEG_QUALITY,
        creationDate=None,
        modDate=None,
    )
    return buffer.getvalue()


def _open(name: str, content: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(content))
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise UnreadablePage(f"voucher page {name!r} is not a readable image: {exc}") from None
    return image if image.mode in PDF_MODES else image.convert("RGB")


def _dpi(image: Image.Image) -> float:
    dpi = image.info.get("dpi")
    if not dpi or float(dpi[0]) < MIN_PLAUSIBLE_DPI:
        return float(DEFAULT_DPI)
    return float(dpi[0])
