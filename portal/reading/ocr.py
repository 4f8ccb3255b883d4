"""Photos and scans to text with Debian's Tesseract and its French data (`tesseract-ocr`,
`tesseract-ocr-fra`), run as a program: nothing is downloaded, nothing is loaded in the
portal's process. bench/RESULTS.md compares it with RapidOCR on the accuracy set.

Before Tesseract sees it, the photo is decoded small (a JPEG straight at 1/2 or 1/4 scale),
in grey, brought to the reading size and its contrast stretched. (Dividing the light away
by a blurred copy of the photo, against shadows, read fewer totals on the set.)"""

import io
import os
import shutil
import subprocess
import warnings

from PIL import Image, ImageFilter, ImageOps

from portal.uploads import strict_decoding

TESSERACT = "tesseract"
LANGUAGE = "fra"
# Long edge given to Tesseract: receipt text stays ~20 px high on a whole-page photo.
READING_EDGE = 2400
MAX_PIXELS = 40_000_000  # as uploads: the header is checked before decoding
TIMEOUT_S = 20


class OcrUnavailable(RuntimeError):
    """Tesseract or its French data is not installed."""


def available() -> bool:
    return shutil.which(TESSERACT) is not None


def prepared(data: bytes) -> Image.Image | None:
    """The photo in grey, evenly lit and contrasted, its long edge READING_EDGE at most; None
    when the bytes are no image Pillow can decode or have too many pixels."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.width * image.height > MAX_PIXELS:
                    return None
                image.draft("L", (READING_EDGE, READING_EDGE))
                with strict_decoding():  # a truncated photo is not read half grey
                    image.load()
                picture = ImageOps.exif_transpose(image).convert("L")
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombWarning):
        return None
    # Tesseract reads letters some 30 pixels high best: a phone's downscaled photo is
    # enlarged to the reading size, a 12-megapixel one reduced to it.
    scale = READING_EDGE / max(picture.size)
    size = (round(picture.width * scale), round(picture.height * scale))
    picture = picture.resize(size, Image.Resampling.LANCZOS)
    return ImageOps.autocontrast(picture, cutoff=(1, 0))


def image_text(picture: Image.Image) -> str:
    """Tesseract's text of a prepared picture, in one thread (the worker reads one receipt
    per core). Page segmentation 6, one block of text, keeps a label and its amount on one
    line; it read more fields of the set than 3, 4 or 11 (bench/RESULTS.md)."""
    if not available():
        raise OcrUnavailable(TESSERACT)
    buffer = io.BytesIO()
    picture.save(buffer, "PNG", compress_level=1)
    environment = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    result = subprocess.run(  # noqa: S603 (a fixed program; the image goes through stdin)
        [TESSERACT, "stdin", "stdout", "-l", LANGUAGE, "--psm", "6"],
        input=buffer.getvalue(),
        capture_output=True,
        timeout=TIMEOUT_S,
        env=environment,
        check=False,
    )
    if result.returncode != 0:
        if b"Failed loading language" in result.stderr:
            raise OcrUnavailable(LANGUAGE)
        return ""
    return result.stdout.decode("utf-8", errors="replace")


def sharpened(picture: Image.Image) -> Image.Image:
    """The prepared picture with its letters' edges sharpened: on blurred photos Tesseract
    reads digits and separators it missed on the plain one, but misreads others (on the
    set: more dates, fewer totals), so it is a second reading, not the first."""
    return picture.filter(ImageFilter.UnsharpMask(radius=2, percent=120, threshold=3))
