"""Entrepreneur pages kept between requests (portal/web/page_cache.py) are the pages the data
renders again: after any sequence of writes through the real services (those of the running
totals' property test: invoices, drafts, payments, credit notes, refunds, receipts,
payslips, balances, the coop's contribution basis, transfers between two members), each kept
page equals the page an app that keeps nothing renders, on SQLite and on PostgreSQL. And the
keeping itself: only what it should, no longer than the hour allows."""

import re
import time
from datetime import timedelta

import pytest
from flask_babel import force_locale
from hypothesis import HealthCheck, given, settings
from sqlalchemy import event, insert, select, update

from portal.coop.services import update_coop_settings
from portal.db import SEARCH_OBJECTS, Base, db, utcnow
from portal.errors import DomainError
from portal.notifications.models import Notification
from portal.notifications.models import NotificationKind as Kind
from portal.notifications.services import notify
from portal.page_versions import COOP, SCOPES, PageVersion
from portal.workshops import services as workshops
from portal.workshops.models import Workshop
from tests.helpers import committed_app, login
from tests.web.test_running_totals import MEMBERS, OPERATIONS, Writer

PAGES = (
    ("/", {}),
    ("/home/details", {}),
    ("/home/details", {"HX-Request": "true"}),
    ("/invoices", {}),
    ("/invoices?status=paid", {}),
    ("/receipts", {}),
    ("/workshops", {}),
    ("/meetings/", {}),
    # Computed for each request, from inputs kept under the same tokens (`kept_value`).
    ("/what-if?hours=30&gross=&extra=", {"HX-Request": "true"}),
    ("/what-if?gross=2000&extra=500", {}),
)
# Each client's own CSRF token, the one thing two renderings of a page may differ by.
CSRF = re.compile(r'(name="csrf_token" value="|"X-CSRFToken": ")[^"]+')


def _page(client, path: str, headers: dict) -> str:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, path
    return CSRF.sub(r"\1…", response.get_data(as_text=True))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def apps(request, committed_database, tmp_path):
    """Two apps on one committed database: one keeps pages, the other renders each anew; a
    third's context runs the services."""
    url = committed_database(request.param)
    keeping = committed_app(url, tmp_path / "data")
    fresh = committed_app(url, tmp_path / "data", PAGE_CACHE_BYTES=0)
    writing = committed_app(url, tmp_path / "data")  # the services' own context
    with writing.app_context(), force_locale("en"):
        update_coop_settings(
            db.session, legal_name="Coop", siren="732829320", vat_number="FR44732829320"
        )
        db.session.commit()
        yield keeping, fresh
    for app in (keeping, fresh, writing):
        app.extensions["database"].engine.dispose()


def test_every_table_says_which_pages_its_writes_change():
    """A new table is placed in SCOPES on purpose (one missing would make every write of it
    render every member's pages again)."""
    tables = {name for name in Base.metadata.tables if name not in SEARCH_OBJECTS}
    assert tables == set(SCOPES)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=OPERATIONS)
def test_kept_pages_equal_pages_rendered_anew_after_any_writes(apps, operations):
    keeping, fresh = apps
    writer = Writer(db.session, next(MEMBERS))
    clients = {}
    for who in (writer.member, writer.partner):
        clients[who.email] = kept, anew = keeping.test_client(), fresh.test_client()
        for client in (kept, anew):
            response = login(client, who.email)
            assert response.status_code == 303, (response.status_code, response.location)
    kept, anew = clients[writer.member.email]
    for operation in operations:
        try:
            writer.apply(operation)
        except DomainError:  # refused: nothing changed, as for a request
            db.session.rollback()
        for path, headers in PAGES:
            assert _page(kept, path, headers) == _page(anew, path, headers), (operation, path)
    partner_kept, partner_anew = clients[writer.partner.email]
    for path, headers in PAGES:
        assert _page(partner_kept, path, headers) == _page(partner_anew, path, headers)


@pytest.fixture
def statements(app):
    """The SQL statements the app runs, as a list that the test may clear."""
    ran = []

    def note(_connection, _cursor, statement, *_args):
        ran.append(statement)

    engine = app.extensions["database"].engine
    event.listen(engine, "before_cursor_execute", note)
    yield ran
    event.remove(engine, "before_cursor_execute", note)


def _workshop(db_session, **fields):
    starts_at = utcnow().replace(microsecond=0) + timedelta(days=7)
    values = {"title": "Fixer ses prix", "description": "", "place": "Salle Jacquard",
              "starts_at": starts_at, "ends_at": starts_at + timedelta(hours=2), "seats": 10,
              **fields}  # fmt: skip
    workshop = workshops.create_or_update_workshop(db_session, None, values)
    db_session.commit()
    return workshop


def test_a_kept_page_is_served_without_its_view_until_a_write_changes_it(
    logged_in, db_session, statements, make_member
):
    workshop = _workshop(db_session)
    logged_in.get("/workshops")  # the first page gives the browser its CSRF token
    first = logged_in.get("/workshops")
    statements.clear()
    again = logged_in.get("/workshops")
    assert again.data == first.data
    kept_statements = len(statements)
    # Another member's seat counts on this member's page: the coop's token changes.
    other = make_member(email="other@example.org")
    workshops.book_seat(db_session, workshop, other, by=other, now=utcnow())
    db_session.commit()
    statements.clear()
    after = logged_in.get("/workshops")
    assert after.data != first.data
    assert kept_statements < len(statements)


def test_a_what_if_reads_its_inputs_once_until_a_write_changes_them(
    logged_in, db_session, statements, entrepreneur
):
    """Each what-if is computed for the figures typed, from the member's movements and the
    coop's terms read once, until a write of the member's replaces their page token."""
    hx = {"HX-Request": "true"}
    first = logged_in.get("/what-if?gross=2000", headers=hx)
    statements.clear()
    other = logged_in.get("/what-if?gross=2500", headers=hx)
    login_only = len(statements)  # the login's statements, the inputs kept
    assert other.data != first.data
    statements.clear()
    logged_in.get("/what-if?gross=3000", headers=hx)
    assert len(statements) == login_only
    entrepreneur.contract_hours_per_week = 20  # a write of the member's own row
    db_session.commit()
    statements.clear()
    again = logged_in.get("/what-if?gross=2000", headers=hx)
    assert len(statements) > login_only
    assert again.data != first.data  # the new contract's hours


def test_a_statement_around_the_unit_of_work_changes_every_kept_page(logged_in, db_session):
    workshop = _workshop(db_session)
    assert b"Fixer ses prix" in logged_in.get("/workshops").data
    db_session.execute(update(Workshop).where(Workshop.id == workshop.id).values(title="Vendre"))
    db_session.commit()
    page = logged_in.get("/workshops").data
    assert b"Vendre" in page and b"Fixer ses prix" not in page


def test_rows_written_by_one_statement_change_the_pages_of_the_members_they_name(
    logged_in, db_session, entrepreneur, make_member
):
    """A notification is written by one INSERT around the unit of work (`db.insert_rows`):
    its member's kept pages show it, while another member's token and the coop's stay (their
    pages stay kept). A statement whose rows are not given replaces the coop's."""
    other = make_member(email="other@example.org")
    _workshop(db_session)  # the coop's token exists
    logged_in.get("/")

    def tokens() -> dict:
        db_session.expire_all()
        return dict(db_session.execute(select(PageVersion.scope, PageVersion.version)).all())

    before = tokens()
    notify(db_session, entrepreneur, Kind.INVOICE_PAID, "/", number="F-1", customer="C")
    db_session.commit()
    after = tokens()
    assert after[entrepreneur.id] != before.get(entrepreneur.id)
    assert (after[COOP], after.get(other.id)) == (before[COOP], before.get(other.id))
    assert '<span class="count" aria-hidden="true">1</span>' in logged_in.get("/").text

    db_session.execute(insert(Notification.__table__).values(**_notification(other)))
    db_session.commit()
    assert tokens()[COOP] != after[COOP]


def _notification(member) -> dict:
    return {"member_id": member.id, "kind": Kind.INVOICE_PAID, "params": {}, "link": "/",
            "created_at": utcnow(), "awaits_digest": False}  # fmt: skip


def test_a_workshops_page_holds_only_until_its_bookings_close(logged_in, db_session):
    closes = utcnow() + timedelta(seconds=4)
    _workshop(db_session, booking_deadline=closes)
    closed = "Les réservations pour cet atelier sont closes."
    assert closed not in logged_in.get("/workshops").get_data(as_text=True)
    time.sleep(max(0.0, (closes - utcnow()).total_seconds()) + 0.1)
    assert closed in logged_in.get("/workshops").get_data(as_text=True)


def _statements_of(client, path: str, statements: list) -> int:
    statements.clear()
    assert client.get(path).status_code == 200
    return len(statements)


def test_pages_of_the_team_and_pages_with_a_message_are_not_kept(app, staff, logged_in, statements):
    logged_in.get("/invoices")  # gives the browser its CSRF token
    rendered = _statements_of(logged_in, "/invoices", statements)
    served = _statements_of(logged_in, "/invoices", statements)
    assert served < rendered
    with logged_in.session_transaction() as cookie:
        cookie["_flashes"] = [("success", "Brouillon enregistré.")]
    statements.clear()
    assert "Brouillon enregistré." in logged_in.get("/invoices").get_data(as_text=True)
    assert len(statements) == rendered  # rendered with its message, and not kept
    statements.clear()
    assert "Brouillon enregistré." not in logged_in.get("/invoices").get_data(as_text=True)
    assert len(statements) == served
    team = app.test_client()
    assert login(team, staff.email).status_code == 303
    team.get("/workshops")
    first = _statements_of(team, "/workshops", statements)
    assert _statements_of(team, "/workshops", statements) == first > served


def test_each_browser_of_a_member_gets_its_own_csrf_token(app, logged_in, entrepreneur):
    other_browser = app.test_client()
    assert login(other_browser, entrepreneur.email).status_code == 303
    for client in (logged_in, other_browser):
        client.get("/invoices")
    tokens = {CSRF.search(c.get("/invoices").get_data(as_text=True)).group(0)
              for c in (logged_in, other_browser)}  # fmt: skip
    assert len(tokens) == 2


def test_nothing_is_kept_while_templates_reload(tmp_path):
    """In debug mode a template changed on disk shows at the next request."""
    app = committed_app(f"sqlite:///{tmp_path / 'db.sqlite3'}", tmp_path, DEBUG=True)
    assert app.extensions["page_cache"].capacity == 0
    kept = committed_app(f"sqlite:///{tmp_path / 'db.sqlite3'}", tmp_path)
    assert kept.extensions["page_cache"].capacity == kept.config["PAGE_CACHE_BYTES"] > 0
