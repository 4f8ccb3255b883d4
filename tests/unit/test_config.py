import pytest
from sqlalchemy import text

from portal import create_app


@pytest.fixture(autouse=True)
def public_url(monkeypatch):
    monkeypatch.setenv("PORTAL_PUBLIC_URL", "http://localhost")


@pytest.mark.parametrize("value", [None, "", "portal.example", "ftp://portal.example", "https://"])
def test_the_app_refuses_to_start_without_a_public_http_address(value, tmp_path, monkeypatch):
    monkeypatch.delenv("PORTAL_PUBLIC_URL")
    config = {"DATABASE_URL": f"sqlite:///{tmp_path / 'a.sqlite3'}", "SECRET_KEY": "x"}
    with pytest.raises(RuntimeError, match="PORTAL_PUBLIC_URL"):
        create_app({**config, "PUBLIC_URL": value})


def test_only_the_public_host_is_trusted(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_PUBLIC_URL", "https://portal.coop.example/")
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'a.sqlite3'}", "SECRET_KEY": "x"})
    assert app.config["PUBLIC_URL"] == "https://portal.coop.example"
    assert app.config["TRUSTED_HOSTS"] == ["portal.coop.example"]
    client = app.test_client()
    assert client.get("/login", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/login", headers={"Host": "portal.coop.example"}).status_code == 200


def test_database_url_comes_from_the_environment(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'from-env.sqlite3'}"
    monkeypatch.setenv("PORTAL_DATABASE_URL", url)
    assert create_app().config["DATABASE_URL"] == url


def test_default_database_is_a_sqlite_file_in_the_instance_folder(monkeypatch):
    monkeypatch.delenv("PORTAL_DATABASE_URL", raising=False)
    app = create_app()
    assert app.config["DATABASE_URL"] == f"sqlite:///{app.instance_path}/portal.sqlite3"


def test_secret_key_is_generated_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("PORTAL_SECRET_KEY", raising=False)
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'a.sqlite3'}"})
    first = app.config["SECRET_KEY"]
    assert len(first) >= 32
    again = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'a.sqlite3'}"})
    assert again.config["SECRET_KEY"] == first


def test_secret_key_from_the_environment_wins(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_SECRET_KEY", "from the environment")
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'a.sqlite3'}"})
    assert app.config["SECRET_KEY"] == "from the environment"


def test_data_dir_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "uploads"))
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'a.sqlite3'}"})
    assert app.config["DATA_DIR"] == str(tmp_path / "uploads")


def test_sqlite_runs_with_wal_foreign_keys_and_busy_timeout(tmp_path):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite3'}"})
    with app.app_context(), app.extensions["database"].engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 5000


def test_plain_postgresql_urls_use_psycopg_3():
    from portal.db import normalise_url

    assert normalise_url("postgresql://u:p@h/db").startswith("postgresql+psycopg://")


def test_sqlite_write_requests_take_the_write_lock_first(tmp_path):
    """Two writers at once: the second waits (busy timeout) instead of failing mid-way."""
    import threading

    from portal.db import db

    url = f"sqlite:///{tmp_path / 'lock.sqlite3'}"
    app = create_app({"DATABASE_URL": url})
    with app.app_context():
        db.session.execute(text("CREATE TABLE counter (n INTEGER)"))
        db.session.execute(text("INSERT INTO counter VALUES (0)"))
        db.session.commit()
    errors = []

    def increment():
        try:
            for _ in range(20):
                with app.test_request_context(method="POST"):
                    # Read first, then write: without BEGIN IMMEDIATE this is the pattern
                    # that fails with "database is locked" under contention.
                    value = db.session.execute(text("SELECT n FROM counter")).scalar()
                    db.session.execute(text("UPDATE counter SET n = :n"), {"n": value + 1})
                    db.session.commit()
                    db.session.remove()
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=increment) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context():
        assert errors == []
        assert db.session.execute(text("SELECT n FROM counter")).scalar() == 80
    app.extensions["database"].engine.dispose()


def test_a_public_portal_refuses_to_start_without_a_secret_key(tmp_path, monkeypatch):
    """Each app server would otherwise make up its own key, and sessions signed by one would
    fail on the other behind the load balancer."""
    monkeypatch.delenv("PORTAL_SECRET_KEY", raising=False)
    monkeypatch.setenv("PORTAL_PUBLIC_URL", "https://portal.coop.example")
    with pytest.raises(RuntimeError, match="PORTAL_SECRET_KEY is not set"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'a.sqlite3'}"})
