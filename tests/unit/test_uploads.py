"""Uploads are judged by their content, bounded, and re-encoded without metadata."""

import io

import pytest
from PIL import Image
from pypdf import PdfWriter

from portal import uploads
from portal.errors import DomainError
from portal.uploads import MAX_UPLOAD_BYTES, check_upload, sniff


def jpeg_with_gps(size=(3000, 1500)) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to display
    exif.get_ifd(0x8825)[2] = (48.0, 51.0, 24.0)  # GPS latitude
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def png_bytes(size=(400, 300), mode="RGBA") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, (0, 128, 0, 128) if mode == "RGBA" else 0).save(buffer, "PNG")
    return buffer.getvalue()


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def image_bomb(width: int, height: int) -> bytes:
    """A few kilobytes of PNG that would expand to `width` × `height` pixels."""
    buffer = io.BytesIO()
    Image.new("1", (width, height)).save(buffer, "PNG")
    return buffer.getvalue()


def test_photo_is_reencoded_to_jpeg_without_exif_and_gps():
    upload = check_upload(jpeg_with_gps())
    assert upload.kind == "image" and upload.content_type == "image/jpeg"
    with Image.open(io.BytesIO(upload.content)) as image:
        assert dict(image.getexif()) == {}
        assert b"PhoneMaker" not in upload.content
        # Orientation applied, then the long edge bounded to 2000 px.
        assert image.size == (1000, 2000)


def test_photo_keeps_no_comment_xmp_or_exif_in_the_file_or_its_thumbnail():
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x0112] = 6  # rotate 90° clockwise to display
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">SecretXmpTag</x:xmpmeta>'
    buffer = io.BytesIO()
    Image.new("RGB", (600, 300), "red").save(
        buffer, "JPEG", exif=exif, xmp=xmp, comment=b"SecretComment"
    )
    sent = buffer.getvalue()
    assert b"SecretComment" in sent and b"SecretXmpTag" in sent and b"PhoneMaker" in sent
    upload = check_upload(sent)
    for stored in (upload.content, upload.thumbnail):
        for secret in (b"SecretComment", b"SecretXmpTag", b"PhoneMaker", b"Exif", b"\xff\xfe"):
            assert secret not in stored
        with Image.open(io.BytesIO(stored)) as image:
            assert image.info.get("comment") is None and dict(image.getexif()) == {}
            assert image.height > image.width  # the orientation, applied to the pixels


def test_twelve_megapixel_photo_keeps_a_2000_px_long_edge_and_its_orientation():
    upload = check_upload(jpeg_with_gps((4000, 3000)))
    with Image.open(io.BytesIO(upload.content)) as image:
        assert image.size == (1500, 2000)
        assert dict(image.getexif()) == {}


@pytest.mark.parametrize("size", [(4000, 3000), (8000, 4000)])
def test_large_truncated_photo_is_refused(size):
    data = jpeg_with_gps(size)
    with pytest.raises(DomainError, match="damaged or incomplete"):
        check_upload(data[: len(data) // 2])


def test_thumbnail_is_kept_small():
    upload = check_upload(jpeg_with_gps())
    with Image.open(io.BytesIO(upload.thumbnail)) as thumbnail:
        assert max(thumbnail.size) == 320


def test_png_with_transparency_becomes_a_jpeg_on_white():
    upload = check_upload(png_bytes())
    assert sniff(upload.content) == "jpeg"


def test_heic_from_an_iphone_is_accepted():
    import pillow_heif

    buffer = io.BytesIO()
    pillow_heif.from_pillow(Image.new("RGB", (640, 480), "blue")).save(buffer, quality=50)
    assert sniff(buffer.getvalue()) == "heif"
    upload = check_upload(buffer.getvalue())
    assert upload.kind == "image" and sniff(upload.content) == "jpeg"


def test_heic_with_camera_and_gps_metadata_is_turned_upright_and_stripped():
    import pillow_heif  # noqa: F401 (registered by portal.uploads: Pillow writes HEIF too)

    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x0112] = 6  # rotate 90° clockwise to display
    exif.get_ifd(0x8825)[2] = (48.0, 51.0, 24.0)  # GPS latitude
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), "blue").save(buffer, "HEIF", exif=exif.tobytes(), quality=50)
    assert b"PhoneMaker" in buffer.getvalue()
    upload = check_upload(buffer.getvalue())
    assert b"PhoneMaker" not in upload.content
    with Image.open(io.BytesIO(upload.content)) as image:
        assert image.format == "JPEG" and dict(image.getexif()) == {}
        assert image.size == (480, 640)


def test_pdf_is_checked_and_kept_as_sent():
    data = pdf_bytes()
    upload = check_upload(data)
    assert upload.kind == "pdf" and upload.content == data and upload.thumbnail is None


def test_pdf_protected_by_a_password_is_refused():
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt("secret", algorithm="AES-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(DomainError, match="password"):
        check_upload(buffer.getvalue())


def test_pdf_refused_where_only_photos_are_allowed():
    with pytest.raises(DomainError):
        check_upload(pdf_bytes(), allow_pdf=False)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 100, "Send a photo"),  # an executable named .jpg
        (b"Just some text, named receipt.png", "Send a photo"),
        (b"", "empty"),
        (jpeg_with_gps()[:5000], "damaged or incomplete"),
        (b"%PDF-1.7\n garbage", "damaged or incomplete"),
        (image_bomb(8_000, 6_000), "too many pixels"),
        (image_bomb(20_000, 10_000), "too many pixels"),
    ],
)
def test_bad_files_are_refused_with_a_clear_reason(data, message):
    with pytest.raises(DomainError) as error:
        check_upload(data)
    assert message in str(error.value)


def test_png_of_40_megapixels_is_refused_before_decoding():
    # 8000 × 5000 of one colour: a PNG of 150 KB that would take 160 MB decoded.
    buffer = io.BytesIO()
    Image.new("RGB", (8000, 5000), "white").save(buffer, "PNG")
    assert len(buffer.getvalue()) < 200_000
    with pytest.raises(DomainError) as error:
        check_upload(buffer.getvalue())
    assert "25 megapixels" in str(error.value)


def test_heic_over_the_full_decoding_limit_is_refused(monkeypatch):
    # Encoding a 25 MP HEIC takes a minute here: the limit is lowered instead.
    monkeypatch.setattr(uploads, "MAX_FULL_DECODE_PIXELS", 640 * 480 - 1)
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), "blue").save(buffer, "HEIF", quality=50)
    with pytest.raises(DomainError) as error:
        check_upload(buffer.getvalue())
    assert "25 megapixels" in str(error.value)


def test_jpeg_of_40_megapixels_is_still_accepted():
    # A JPEG decodes at a reduced scale: the larger limit stays.
    upload = check_upload(jpeg_with_gps((8000, 5000)))
    assert upload.kind == "image"


def test_decoding_waits_for_a_free_slot_then_asks_to_try_again(monkeypatch):
    monkeypatch.setattr(uploads, "DECODING_WAIT_S", 0.1)
    for _ in range(uploads.DECODING_SLOTS):
        assert uploads._decoding.acquire(timeout=1)
    try:
        with pytest.raises(DomainError) as error:
            check_upload(png_bytes())
        assert "busy" in str(error.value)
    finally:
        for _ in range(uploads.DECODING_SLOTS):
            uploads._decoding.release()
    assert check_upload(png_bytes()).kind == "image"  # slots given back


def test_file_over_15_mb_is_refused_before_decoding():
    with pytest.raises(DomainError) as error:
        check_upload(b"\xff\xd8\xff" + b"\x00" * MAX_UPLOAD_BYTES)
    assert "15 MB" in str(error.value)


def test_truncated_photo_is_refused_even_after_weasyprint_loosened_pillow():
    import weasyprint  # noqa: F401 (its import sets Pillow's LOAD_TRUNCATED_IMAGES)
    from PIL import ImageFile

    assert ImageFile.LOAD_TRUNCATED_IMAGES is True
    with pytest.raises(DomainError):
        check_upload(jpeg_with_gps()[:5000])
