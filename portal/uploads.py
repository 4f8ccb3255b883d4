"""Uploaded photos and PDFs, checked by their content (never by their name), bounded in size
and pixels, and re-encoded so that nothing but the picture is kept (no EXIF, no GPS, no
comment).

Decoding a photo takes a second of CPU and up to hundreds of megabytes: callers run it
before their request's first write, never inside the database's write lock, and each
process decodes at most `DECODING_SLOTS` photos at once."""

import contextlib
import io
import math
import threading
import warnings
from dataclasses import dataclass

import pillow_heif
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from portal.errors import DomainError
from portal.i18n import lazy_gettext as _l

pillow_heif.register_heif_opener()

MAX_UPLOAD_BYTES = 15 * 1024 * 1024
# A JPEG decodes at 1/2, 1/4 or 1/8 scale (see `draft`), so a large one costs little. PNG
# and HEIF decode at full size: 4 bytes a pixel, and a flat 40 MP PNG is 150 KB on the wire.
# 25 MP still takes the 24 MP HEIC of recent phones.
MAX_PIXELS = 40_000_000
MAX_FULL_DECODE_PIXELS = 25_000_000
# Photos decoded at once per process, and how long a further one waits for its turn before
# the member is asked to try again (rather than every decode slowing down together).
DECODING_SLOTS = 2
DECODING_WAIT_S = 2.0
_decoding = threading.BoundedSemaphore(DECODING_SLOTS)
LONG_EDGE = 2000
THUMBNAIL_EDGE = 320
JPEG_QUALITY = 85

# Leading bytes of each accepted format; HEIC/HEIF are ISO boxes: "ftyp" then a brand.
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}


@dataclass(frozen=True)
class CheckedUpload:
    kind: str  # "image" or "pdf"
    content: bytes  # JPEG re-encoded from the photo, or the PDF as sent
    content_type: str
    suffix: str
    thumbnail: bytes | None  # a small JPEG for lists and queues (images only)


def sniff(data: bytes) -> str | None:
    """The format the bytes really are: "jpeg", "png", "heif", "pdf", or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return "heif"
    if data.startswith(b"%PDF-"):
        return "pdf"
    return None


def check_upload(data: bytes, allow_pdf: bool = True) -> CheckedUpload:
    """A photo (JPEG, PNG, HEIC/HEIF) or, if allowed, a PDF; anything else is a DomainError."""
    kind = accepted_kind(data, allow_pdf)
    if kind == "pdf":
        return _check_pdf(data)
    with _decoding_slot():
        return _reencode_image(data, kind)


def accepted_kind(data: bytes, allow_pdf: bool = True) -> str:
    """The checks made before decoding: not empty, 15 MB at most, and by its first bytes a
    photo or (if allowed) a PDF; gives that kind, else raises a DomainError."""
    if not data:
        raise DomainError(_l("The file is empty."), field="file")
    if len(data) > MAX_UPLOAD_BYTES:
        raise DomainError(_l("The file is larger than 15 MB."), field="file")
    kind = sniff(data)
    if kind in ("jpeg", "png", "heif") or (kind == "pdf" and allow_pdf):
        return kind
    message = (
        _l("Send a photo (JPEG, PNG or HEIC) or a PDF.")
        if allow_pdf
        else _l("Send a photo (JPEG, PNG or HEIC).")
    )
    raise DomainError(message, field="file")


@contextlib.contextmanager
def _decoding_slot():
    if not _decoding.acquire(timeout=DECODING_WAIT_S):
        raise DomainError(
            _l("The server is busy with other photos: nothing was saved, try again in a moment."),
            field="file",
        )
    try:
        yield
    finally:
        _decoding.release()


def _reencode_image(data: bytes, kind: str) -> CheckedUpload:
    too_large = DomainError(
        _l("This image has too many pixels (40 megapixels at most)."), field="file"
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                # The header gives the size before decoding: refuse bombs before they expand.
                if image.width * image.height > MAX_PIXELS:
                    raise too_large
                if kind != "jpeg" and image.width * image.height > MAX_FULL_DECODE_PIXELS:
                    raise DomainError(
                        _l(
                            "This PNG or HEIC image has too many pixels (25 megapixels at "
                            "most): send a smaller image, or a JPEG."
                        ),
                        field="file",
                    )
                # A JPEG decodes straight at 1/2, 1/4 or 1/8 scale when that still covers
                # the kept size: a 12-megapixel photo never exists in memory at full size.
                image.draft("RGB", _covering_size(image.size, LONG_EDGE))
                with strict_decoding():
                    image.load()
                # Turned in place: a copy would double the memory of a large PNG.
                ImageOps.exif_transpose(image, in_place=True)
                picture = image
    except DomainError:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise too_large from None
    except (OSError, UnidentifiedImageError, ValueError, SyntaxError):
        raise DomainError(_l("This image is damaged or incomplete."), field="file") from None
    # Resized in real colours (a palette would be resized by nearest neighbour).
    if picture.mode in ("1", "P", "PA"):
        picture = picture.convert("RGBA")
    elif picture.mode not in ("RGB", "RGBA", "L", "LA"):
        picture = picture.convert("RGB")  # CMYK, 16-bit grey...
    picture.thumbnail((LONG_EDGE, LONG_EDGE), Image.Resampling.LANCZOS)
    picture = _flatten(picture)
    content = _jpeg(picture, JPEG_QUALITY)
    picture.thumbnail((THUMBNAIL_EDGE, THUMBNAIL_EDGE), Image.Resampling.LANCZOS)
    return CheckedUpload("image", content, "image/jpeg", ".jpg", _jpeg(picture, 75))


def _covering_size(size: tuple[int, int], long_edge: int) -> tuple[int, int]:
    """The size, same proportions, whose long edge is `long_edge` (the size itself if smaller)."""
    width, height = size
    ratio = min(1.0, long_edge / max(width, height))
    return max(1, math.ceil(width * ratio)), max(1, math.ceil(height * ratio))


@contextlib.contextmanager
def strict_decoding():
    """Refuse truncated images while decoding an upload. WeasyPrint switches Pillow's
    process-wide LOAD_TRUNCATED_IMAGES on when imported; an upload must never be half
    grey, so the strict mode is restored for this decoding only."""
    previous = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        yield
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = previous


def _flatten(image: Image.Image) -> Image.Image:
    """RGB pixels only, on white where the image was transparent, and no metadata: Pillow
    carries `info` through convert and resize, and writes its "comment" (a JPEG's COM
    segment) back into every JPEG it saves."""
    if image.mode in ("RGBA", "LA"):  # palettes were turned into RGBA before resizing
        image = image.convert("RGBA")
        flat = Image.new("RGB", image.size, "white")
        flat.paste(image, mask=image.getchannel("A"))
    else:
        flat = image.convert("RGB")
    flat.info = {}
    return flat


def _jpeg(image: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, optimize=True)
    return buffer.getvalue()


def _check_pdf(data: bytes) -> CheckedUpload:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise DomainError(_l("This PDF is protected by a password."), field="file")
        if len(reader.pages) == 0:
            raise PyPdfError("no page")
    except DomainError:
        raise
    except (PyPdfError, OSError, ValueError, KeyError, TypeError):
        raise DomainError(_l("This PDF is damaged or incomplete."), field="file") from None
    return CheckedUpload("pdf", data, "application/pdf", ".pdf", None)
