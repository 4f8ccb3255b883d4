"""Files members upload come back safely: photos keep their pixels and orientation only,
PDFs are downloads in a sandbox, and no cache keeps any of them (invoice PDFs included)."""

import io

from PIL import Image
from sqlalchemy import select

from portal.expenses.models import Receipt
from portal.meetings.models import MeetingAttachment
from tests.conftest import login
from tests.unit.test_uploads import pdf_bytes
from tests.web.test_expenses import post_receipt
from tests.web.test_meetings import schedule, staff_client


def phone_photo_with_metadata() -> bytes:
    """A JPEG with what a phone or an editor leaves in it: EXIF (camera, orientation), XMP
    and a comment segment."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x0112] = 6  # rotate 90° clockwise to display
    buffer = io.BytesIO()
    Image.new("RGB", (600, 300), "red").save(
        buffer,
        "JPEG",
        exif=exif,
        xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/">SecretXmp</x:xmpmeta>',
        comment=b"SecretComment",
    )
    return buffer.getvalue()


def test_stored_photo_and_thumbnail_keep_pixels_and_orientation_only(app, logged_in, db_session):
    sent = phone_photo_with_metadata()
    assert b"SecretComment" in sent
    assert post_receipt(logged_in, db_session, sent).status_code == 303
    receipt = db_session.scalar(select(Receipt))
    with app.app_context():
        storage = app.extensions["storage"]
        stored = [storage.read(receipt.file_key), storage.read(receipt.thumbnail_key)]
    for data in stored:
        for secret in (b"SecretComment", b"SecretXmp", b"PhoneMaker", b"Exif", b"\xff\xfe"):
            assert secret not in data  # \xff\xfe: a JPEG comment segment
        with Image.open(io.BytesIO(data)) as image:
            assert image.height > image.width  # turned upright
            assert "comment" not in image.info and "xmp" not in image.info


def test_receipt_photo_is_shown_inline_and_never_cached(logged_in, db_session):
    post_receipt(logged_in, db_session, phone_photo_with_metadata())
    receipt = db_session.scalar(select(Receipt))
    for path in ("file", "thumbnail"):
        response = logged_in.get(f"/receipts/{receipt.id}/{path}")
        assert response.mimetype == "image/jpeg"
        assert response.headers["Cache-Control"] == "private, no-store"
        assert response.headers["Content-Disposition"].startswith("inline")
        assert response.headers["Content-Security-Policy"] == "sandbox"


def test_receipt_pdf_is_a_sandboxed_download_never_cached(logged_in, db_session):
    post_receipt(logged_in, db_session, pdf_bytes(), "facture.pdf")
    receipt = db_session.scalar(select(Receipt))
    response = logged_in.get(f"/receipts/{receipt.id}/file")
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition == f'attachment; filename="receipt-{receipt.id}.pdf"'
    assert response.headers["Content-Security-Policy"] == "sandbox"
    assert response.headers["Cache-Control"] == "private, no-store"


def test_meeting_attachments_are_sandboxed_and_never_cached(
    client, db_session, staff, entrepreneur
):
    meeting = schedule(db_session, days_from_now=-1)
    staff_client(client, staff)
    client.post(
        f"/meetings/{meeting.ref}/notes",
        data={
            "notes": "Compte rendu",
            "attachments": [(io.BytesIO(pdf_bytes()), "Réunion – été.pdf")],
        },
        content_type="multipart/form-data",
    )
    attachment = db_session.scalar(select(MeetingAttachment))
    client.post("/logout")
    login(client, entrepreneur.email)
    response = client.get(f"/meetings/{meeting.ref}/attachments/{attachment.id}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'attachment; filename="R_union _ _t_.pdf"'
    assert response.headers["Content-Security-Policy"] == "sandbox"
    assert response.headers["Cache-Control"] == "private, no-store"
