"""Two uploads of the same form at the same moment (a double tap, a retry racing the first
attempt) make one receipt, on SQLite and on PostgreSQL; and a photo being decoded holds no
write lock: other members' writes go on meanwhile."""

import io
import threading

import pytest
from sqlalchemy import func, select

from portal import create_app, uploads
from portal.db import db
from portal.expenses.models import ExpenseCategory, Receipt
from portal.members.models import MemberStatus, Role
from portal.members.services import create_member
from tests.helpers import PASSWORD, committed_app, login
from tests.unit.test_uploads import jpeg_with_gps

ATTEMPTS = 4


def _same_form_sent_at_once(url: str, tmp_path) -> int:
    app = committed_app(url, tmp_path / "data")
    with app.app_context():
        create_member(
            db.session, email="racer@example.org", full_name="Racer", role=Role.ENTREPRENEUR,
            status=MemberStatus.EMPLOYEE, password=PASSWORD,
        )  # fmt: skip
        category_id = db.session.scalar(select(ExpenseCategory.id).order_by(ExpenseCategory.id))
        db.session.commit()
    photo = jpeg_with_gps((600, 400))
    clients = [app.test_client() for _ in range(ATTEMPTS)]
    for client in clients:
        login(client, "racer@example.org")
    barrier = threading.Barrier(ATTEMPTS)
    statuses = []

    def send(client):
        data = {
            "idempotency_key": "f" * 32, "spent_on": "2026-01-15", "supplier": "Garage",
            "amount": "50", "vat_20": "8,33", "category_id": str(category_id),
            "paid_by": "member", "file": (io.BytesIO(photo), "recu.jpg"),
        }  # fmt: skip
        barrier.wait()
        statuses.append(client.post("/receipts/new", data=data).status_code)

    threads = [threading.Thread(target=send, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context():
        count = db.session.scalar(select(func.count(Receipt.id)))
        files = [path for path in (tmp_path / "data").rglob("*") if path.is_file()]
    app.extensions["database"].engine.dispose()
    assert statuses == [303] * ATTEMPTS
    assert len(files) == 2  # one photo and its thumbnail: the losers left no file behind
    return count


def test_same_key_sent_concurrently_makes_one_receipt_on_sqlite(committed_database, tmp_path):
    assert _same_form_sent_at_once(committed_database("sqlite"), tmp_path) == 1


@pytest.mark.postgres
def test_same_key_sent_concurrently_makes_one_receipt_on_postgresql(committed_database, tmp_path):
    assert _same_form_sent_at_once(committed_database("postgresql"), tmp_path) == 1


@pytest.mark.parametrize("page", ["new", "edit"])
def test_a_photo_is_decoded_while_other_members_log_in_on_sqlite(
    committed_database, tmp_path, monkeypatch, page
):
    app = create_app(
        {
            "DATABASE_URL": committed_database("sqlite"),
            "PUBLIC_URL": "http://localhost",
            "SECRET_KEY": "concurrency",
            "WTF_CSRF_ENABLED": False,
            "DATA_DIR": str(tmp_path / "data"),
        }
    )
    with app.app_context():
        for email in ("uploader@example.org", "other@example.org"):
            create_member(
                db.session, email=email, full_name=email.split("@")[0].title(),
                role=Role.ENTREPRENEUR, status=MemberStatus.EMPLOYEE, password=PASSWORD,
            )  # fmt: skip
        category_id = db.session.scalar(select(ExpenseCategory.id).order_by(ExpenseCategory.id))
        db.session.commit()
    uploader, other = app.test_client(), app.test_client()
    login(uploader, "uploader@example.org")
    form = {
        "idempotency_key": "e" * 32, "spent_on": "2026-01-15", "supplier": "Garage",
        "amount": "50", "vat_20": "8,33", "category_id": str(category_id), "paid_by": "member",
    }  # fmt: skip
    path = "/receipts/new"
    if page == "edit":
        created = uploader.post(path, data=form)
        path = created.headers["Location"] + "/edit"
    logins_while_decoding = []
    decode = uploads._reencode_image

    def decode_while_another_member_logs_in(data, kind):
        # A login writes (its session row): were the write lock held by the upload, it
        # would wait for it and get a 503 after 5 seconds. (A thread of its own: a request
        # made from this one would share its application context and its transaction.)
        def log_in() -> None:
            logins_while_decoding.append(login(other, "other@example.org").status_code)

        thread = threading.Thread(target=log_in)
        thread.start()
        thread.join()
        return decode(data, kind)

    monkeypatch.setattr(uploads, "_reencode_image", decode_while_another_member_logs_in)
    photo = (io.BytesIO(jpeg_with_gps((600, 400))), "recu.jpg")
    response = uploader.post(path, data={**form, "file": photo})
    with app.app_context():
        stored = db.session.scalar(select(Receipt.file_key))
    app.extensions["database"].engine.dispose()
    assert response.status_code == 303
    assert logins_while_decoding == [303]
    assert stored is not None
