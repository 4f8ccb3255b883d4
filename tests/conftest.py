"""Fixtures shared by every test: the app, a database rolled back after each test, a client,
member factories. Helpers, such as `login`, are in tests/helpers.py.

The database is SQLite unless PORTAL_TEST_DATABASE_URL names another (CI also runs the
suite on PostgreSQL). In CI (CI=true) a skipped test fails the run."""

import contextvars
import os
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_babel import force_locale
from hypothesis import settings
from sqlalchemy.orm import sessionmaker

from portal import create_app
from portal.cli import upgrade_database
from portal.coop.services import coop_settings_for_update
from portal.members.models import MemberStatus, Role
from portal.members.services import create_member
from tests.helpers import PASSWORD, login, reset_database

# Speed lives in bench/, not in tests: Hypothesis's 200 ms deadline per example failed
# property tests on a loaded machine (435 ms) while every assertion held.
settings.register_profile("portal", deadline=None)
settings.load_profile("portal")


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if os.environ.get("CI") and skipped and exitstatus == 0:
        reporter.write_line(f"FAILED: {len(skipped)} test(s) skipped in CI", red=True)
        session.exitstatus = 1


@pytest.fixture(scope="session", autouse=True)
def queue_of_the_run(tmp_path_factory):
    """Every app the tests make, and every server or worker they start, queues tasks into a
    file of this run's own unless told otherwise: never into instance/queue.sqlite3, which a
    developer's `make run` worker serves on another database (a task names rows by id)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('queue') / 'queue.sqlite3'}"
    previous = os.environ.get("PORTAL_QUEUE_URL")
    os.environ["PORTAL_QUEUE_URL"] = url
    yield url
    if previous is None:
        del os.environ["PORTAL_QUEUE_URL"]
    else:
        os.environ["PORTAL_QUEUE_URL"] = previous


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("PORTAL_TEST_DATABASE_URL")
    if not url:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    reset_database(url)
    upgrade_database(url)
    return url


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "PUBLIC_URL": "http://localhost",
            "SECRET_KEY": "test secret key",
            "DATA_DIR": str(instance / "data"),
            # Forms are tested without tokens; test_security checks CSRF with it on.
            "WTF_CSRF_ENABLED": False,
            "SMTP_HOST": None,
            # Tasks (a request's mail) run at once, in the request's close; the tests of the
            # queue itself (tests/web/test_queue.py) run a real worker.
            "QUEUE_IMMEDIATE": True,
        }
    )
    app.test_client_class = RequestsInTheirOwnContext
    yield app
    app.extensions["database"].engine.dispose()


class RequestsInTheirOwnContext(FlaskClient):
    """Each request in a context of its own, as in production: it pushes its own app
    context rather than reuse the test's (`services_context`), so that nothing one request
    keeps in `g` (its login, its choice of lock) reaches the next."""

    def open(self, *args, **kwargs):
        context = contextvars.Context()
        response = context.run(super().open, *args, **kwargs)
        # A streamed body (a CSV export) is read in the request's context too; closing the
        # response (what sends its mail) is still the test's to do.
        context.run(response.make_sequence)
        return response


class CommandsInTheirOwnContext(FlaskCliRunner):
    """Each command in a context of its own, as in production (a process of its own): it
    speaks the portal's language, not the English of a test's `services_context`."""

    def invoke(self, *args, **kwargs):
        return contextvars.Context().run(super().invoke, *args, **kwargs)


# For every app the tests make, those of tests/helpers.py included.
Flask.test_cli_runner_class = CommandsInTheirOwnContext


@pytest.fixture(autouse=True)
def db_session(app):
    """Every test runs inside one transaction that is rolled back at the end; the app's own
    commits become savepoints. The test gets its own session on that transaction; each
    request gets another, as in production."""
    state = app.extensions["database"]
    connection = state.engine.connect()
    transaction = connection.begin()
    original = state.sessionmaker
    state.sessionmaker = sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    session = state.sessionmaker()
    yield session
    session.close()
    state.sessionmaker = original
    transaction.rollback()
    connection.close()


@pytest.fixture
def services_context(app):
    """The app context services always run in (a request or a command: their mail is
    rendered from templates, their links made from the app's routes), for the web and API
    tests that call them directly (autouse in tests/web and tests/api). What they say
    outside a request stays in English, the texts of the code, as without a context."""
    with app.app_context(), force_locale("en"):
        yield


@pytest.fixture
def app_context(app):
    with app.app_context():
        yield


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_member(db_session):
    """Factory: `make_member(email=..., role=..., ...)` with sensible defaults."""
    counter = iter(range(1, 10_000))

    def make(**fields):
        number = next(counter)
        fields.setdefault("email", f"member{number}@example.org")
        fields.setdefault("full_name", f"Member {number}")
        fields.setdefault("role", Role.ENTREPRENEUR)
        if fields["role"] is Role.ENTREPRENEUR:
            fields.setdefault("status", MemberStatus.EMPLOYEE)
            fields.setdefault("contract_hours_per_week", Decimal(24))
            fields.setdefault("hourly_gross_rate_cents", 1450)
        fields.setdefault("password", PASSWORD)
        member = create_member(db_session, **fields)
        db_session.commit()
        return member

    return make


@pytest.fixture
def entrepreneur(make_member):
    return make_member(
        email="camille@example.org",
        full_name="Camille Durand",
        activities=("Traduction", "Cours d'anglais"),
    )


@pytest.fixture
def staff(make_member):
    return make_member(email="equipe@example.org", full_name="Nadia Benali", role=Role.STAFF)


@pytest.fixture
def coop(db_session):
    """The coop's legal identity, which validating an invoice needs."""
    settings = coop_settings_for_update(db_session)
    settings.legal_name = "Coopérative Test"
    settings.address = "12 rue de la Coopération\n69001 Lyon"
    settings.siren = "732829320"
    settings.siret = "73282932000074"
    settings.vat_number = "FR44732829320"
    settings.rcs = "RCS Lyon 732 829 320"
    settings.share_capital_cents = 1_500_000
    settings.iban = "FR7630006000011234567890189"
    db_session.commit()
    return settings


@pytest.fixture
def admin(make_member):
    return make_member(email="admin@example.org", full_name="Alex Martin", role=Role.ADMIN)


@pytest.fixture
def logged_in(client, entrepreneur):
    """A client logged in as an entrepreneur."""
    response = login(client, entrepreneur.email)
    assert response.status_code == 303, response.text
    return client


@pytest.fixture
def committed_database(tmp_path):
    """Factory for tests that need real commits seen by other threads or processes (no
    rollback fixture): `committed_database("sqlite")` gives a migrated SQLite file URL,
    `committed_database("postgresql")` empties and migrates PORTAL_TEST_POSTGRES_URL.
    Such tests are marked `postgres`; without the server they are skipped (a failure in CI)."""

    def make(kind: str) -> str:
        if kind == "sqlite":
            url = f"sqlite:///{tmp_path / 'committed.sqlite3'}"
        else:
            url = os.environ.get("PORTAL_TEST_POSTGRES_URL")
            if not url:
                pytest.skip("PORTAL_TEST_POSTGRES_URL is not set")
        reset_database(url)
        upgrade_database(url)
        return url

    return make


class RatesFolder:
    """A payroll rates folder of the test's own, holding copies of the two 2026 files (their
    period ends on 2026-12-31), whatever files the portal ships later: staleness is pinned to
    fixed dates, never to today nor to the files of the day."""

    def __init__(self, path):
        self.path = path

    def add(self, source: str, name: str, **replacements: str) -> None:
        """A copy of the shipped file `source` as `name`, with text replaced (old=new pairs
        given as keyword values "old|new")."""
        from portal.payroll.rates import RATES_DIR

        text = (RATES_DIR / source).read_text()
        for pair in replacements.values():
            old, new = pair.split("|")
            assert old in text, old
            text = text.replace(old, new)
        (self.path / name).write_text(text)


@pytest.fixture
def rates_folder(tmp_path, monkeypatch) -> RatesFolder:
    folder = RatesFolder(tmp_path / "rates")
    folder.path.mkdir()
    for name in ("2026-01-01.toml", "2026-06-01.toml"):
        folder.add(name, name)
    monkeypatch.setattr("portal.payroll.rates.RATES_DIR", folder.path)
    return folder


RATES_ENDING_IN_2099 = 'valid_until = "2026-12-31"|valid_until = "2099-12-31"'


@pytest.fixture
def rates_ended(rates_folder):
    """Only the rates of January 2026: every salary from June 2026 on is past them."""
    (rates_folder.path / "2026-06-01.toml").unlink()
    return rates_folder


@pytest.fixture
def rates_current(rates_folder):
    rates_folder.add("2026-06-01.toml", "2026-06-01.toml", until=RATES_ENDING_IN_2099)
    return rates_folder
