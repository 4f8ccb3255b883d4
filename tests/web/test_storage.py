import pytest
from sqlalchemy import text

from portal.storage import LocalStorage, new_key, save_with_transaction


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
