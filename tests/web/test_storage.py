import pytest
from sqlalchemy import text

from portal import create_app
from portal.storage import LocalStorage, S3Storage, new_key, save_with_transaction, storage
from tests.helpers import s3_bucket


def test_local_storage_round_trip(app, tmp_path):
    backend = LocalStorage(app)
    backend.root = tmp_path
    backend.save("receipts/a.jpg", b"data")
    assert backend.exists("receipts/a.jpg") and backend.read("receipts/a.jpg") == b"data"
    backend.delete("receipts/a.jpg")
    assert not backend.exists("receipts/a.jpg")


def test_keys_cannot_escape_the_data_folder(app):
    with pytest.raises(ValueError):
        LocalStorage(app).read("../../etc/passwd")


def test_new_keys_are_unique_and_unguessable():
    first, second = new_key("receipts", ".jpg"), new_key("receipts", ".jpg")
    assert first != second and len(first) > 40


def test_a_rolled_back_transaction_leaves_no_file(app, db_session):
    with app.app_context():
        key = save_with_transaction(db_session, new_key("receipts", ".jpg"), b"photo")
        backend = app.extensions["storage"]
        assert backend.exists(key)
        db_session.execute(text("SELECT 1"))
        db_session.rollback()
        assert not backend.exists(key)


def test_a_committed_transaction_keeps_the_file(app, db_session):
    with app.app_context():
        key = save_with_transaction(db_session, new_key("receipts", ".jpg"), b"photo")
        db_session.commit()
        db_session.rollback()
        assert app.extensions["storage"].exists(key)
        app.extensions["storage"].delete(key)


# --- S3-compatible storage (moto stands in for the service; nothing leaves the machine) ----


@pytest.fixture
def s3_app(monkeypatch, tmp_path):
    """An app whose storage is an S3 bucket, named through PORTAL_STORAGE_CLASS."""
    with s3_bucket(monkeypatch, "receipts"):
        yield create_app(
            {
                "DATABASE_URL": f"sqlite:///{tmp_path / 's3.sqlite3'}",
                "PUBLIC_URL": "http://localhost",
                "SECRET_KEY": "test",
                "STORAGE_CLASS": "portal.storage:S3Storage",
                "S3_BUCKET": "receipts",
                "S3_PREFIX": "portal",
            }
        )


def test_s3_storage_round_trip_under_its_prefix(s3_app):
    import boto3

    backend = s3_app.extensions["storage"]
    assert isinstance(backend, S3Storage)
    backend.save("receipts/1/a.jpg", b"photo")
    assert backend.exists("receipts/1/a.jpg") and backend.read("receipts/1/a.jpg") == b"photo"
    listed = boto3.client("s3").list_objects_v2(Bucket="receipts")["Contents"]
    assert [item["Key"] for item in listed] == ["portal/receipts/1/a.jpg"]
    backend.delete("receipts/1/a.jpg")
    assert not backend.exists("receipts/1/a.jpg")


def test_s3_keys_cannot_climb_out_of_the_prefix(s3_app):
    with pytest.raises(ValueError):
        s3_app.extensions["storage"].read("../other-app/secret")


def test_a_rolled_back_transaction_leaves_no_object_in_the_bucket(
    app, db_session, s3_app, monkeypatch
):
    # The test app's session, the S3 backend: the rollback deletes what the request stored.
    monkeypatch.setitem(app.extensions, "storage", s3_app.extensions["storage"])
    with app.app_context():
        key = save_with_transaction(db_session, new_key("receipts", ".jpg"), b"photo")
        assert storage().exists(key)
        db_session.execute(text("SELECT 1"))
        db_session.rollback()
        assert not storage().exists(key)


def test_a_receipt_photo_stored_in_s3_is_served_only_to_its_owner(
    app, client, db_session, entrepreneur, make_member, s3_app, monkeypatch
):
    from tests.helpers import login
    from tests.web.test_expenses import make_receipt

    monkeypatch.setitem(app.extensions, "storage", s3_app.extensions["storage"])
    with app.app_context():
        receipt = make_receipt(db_session, entrepreneur)
        assert storage().exists(receipt.file_key)
    login(client, entrepreneur.email)
    photo = client.get(f"/receipts/{receipt.id}/file")
    assert photo.status_code == 200 and photo.data[:2] == b"\xff\xd8"
    client.post("/logout")
    login(client, make_member().email)
    assert client.get(f"/receipts/{receipt.id}/file").status_code == 404
