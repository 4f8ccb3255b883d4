"""The audit trail: every security event and staff decision recorded with who, when and
from where; the admins' page; the purge after 13 months."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.audit.services import EVENTS, purge, record, retention_cutoff
from portal.dates import PARIS
from portal.db import utcnow
from portal.expenses import services as expenses
from portal.members.models import MemberStatus
from portal.sales.services import record_payment, return_invoice, set_trusted, submit_invoice
from tests.helpers import PASSWORD, login
from tests.web.sales.conftest import customer, issued_invoice, make_invoice  # noqa: F401
from tests.web.test_expenses import make_receipt

ADDRESS = {"REMOTE_ADDR": "198.51.100.23"}


def events(db_session, kind: str) -> list[AuditEvent]:
    db_session.expire_all()
    return list(
        db_session.scalars(
            select(AuditEvent).where(AuditEvent.event == kind).order_by(AuditEvent.id)
        )
    )


def test_login_failure_logout_are_recorded_with_the_address(client, db_session, entrepreneur):
    client.post(
        "/login",
        data={"email": entrepreneur.email, "password": "wrong"},
        environ_base=ADDRESS,
    )
    client.post(
        "/login", data={"email": entrepreneur.email, "password": PASSWORD}, environ_base=ADDRESS
    )
    client.post("/logout", environ_base=ADDRESS)
    (failed,) = events(db_session, "login_failed")
    (success,) = events(db_session, "login")
    (logout,) = events(db_session, "logout")
    assert failed.subject_id == entrepreneur.id and failed.actor_id is None
    assert success.actor_id == success.subject_id == entrepreneur.id
    assert logout.actor_id == entrepreneur.id
    assert {failed.ip, success.ip, logout.ip} == {"198.51.100.23"}
    assert success.at <= utcnow()


def test_a_failed_login_for_an_unknown_email_keeps_what_was_typed(client, db_session):
    login(client, "nobody@example.org", "guess")
    (failed,) = events(db_session, "login_failed")
    assert failed.subject_id is None and failed.subject_label == "nobody@example.org"


def test_a_throttled_login_is_recorded(app, client, db_session, entrepreneur, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES", 2)
    for _ in range(3):
        login(client, entrepreneur.email, "wrong")
    assert len(events(db_session, "login_failed")) == 2
    assert len(events(db_session, "login_throttled")) == 1


def test_a_password_reset_is_recorded_when_asked_and_when_done(client, db_session, entrepreneur):
    from tests.web.test_safe_links import _links, _new_password

    client.post("/password/forgot", data={"email": entrepreneur.email}, environ_base=ADDRESS)
    (link,) = _links(db_session)
    _new_password(client, link)
    (asked,) = events(db_session, "password_reset_requested")
    (done,) = events(db_session, "password_reset")
    assert asked.subject_id == done.subject_id == entrepreneur.id
    assert asked.ip == "198.51.100.23"


def test_api_clients_created_and_revoked_by_an_admin(client, db_session, admin):
    login(client, admin.email)
    client.post("/admin/api-clients", data={"name": "Compta", "scopes": ["sync:read"]})
    (created,) = events(db_session, "api_client_created")
    client_id = created.target.split("(")[1].rstrip(")")
    client.post(f"/admin/api-clients/{client_id}/revoke", data={"confirmed": "1"})
    (revoked,) = events(db_session, "api_client_revoked")
    assert created.actor_id == revoked.actor_id == admin.id
    assert created.detail == "sync:read"
    assert revoked.target == created.target


def test_an_account_created_from_the_command_line(app, db_session):
    result = app.test_cli_runner().invoke(
        args=["create-user", "--email", "boss@example.org", "--role", "admin", "--password",
              "a long enough password"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    (created,) = events(db_session, "account_created")
    assert created.subject_label.endswith("<boss@example.org>")
    assert (created.actor_label, created.detail) == ("command line", "admin")


def test_invoice_decisions_and_payments(db_session, staff, issued_invoice, make_invoice):  # noqa: F811
    record_payment(db_session, issued_invoice, Decimal("100"), date(2026, 11, 30), staff)
    returned = make_invoice()
    submit_invoice(db_session, returned, utcnow())
    return_invoice(db_session, returned, staff, "Wrong address", utcnow())
    set_trusted(db_session, issued_invoice.member, True, staff)
    (validated,) = events(db_session, "invoice_validated")
    (payment,) = events(db_session, "payment_recorded")
    (sent_back,) = events(db_session, "invoice_returned")
    (trusted,) = events(db_session, "status_changed")
    for event in (validated, payment, sent_back, trusted):
        assert event.actor_id == staff.id
        assert event.subject_id == issued_invoice.member_id
    assert validated.target == f"invoice {issued_invoice.number}"
    assert payment.detail.startswith("100.00 EUR")
    assert sent_back.detail == "Wrong address"


def test_receipt_decisions(app, db_session, entrepreneur, staff):
    with app.app_context():
        approved = make_receipt(db_session, entrepreneur)
        rejected = make_receipt(db_session, entrepreneur)
    for receipt in (approved, rejected):
        expenses.submit_receipt(db_session, receipt)
    expenses.approve_receipt(db_session, approved, staff)
    expenses.reject_receipt(db_session, rejected, staff, "Unreadable")
    (yes,) = events(db_session, "receipt_approved")
    (no,) = events(db_session, "receipt_rejected")
    assert (yes.actor_id, yes.subject_id) == (staff.id, entrepreneur.id)
    assert (no.target, no.detail) == (f"receipt {rejected.id}", "Unreadable")


def test_a_status_changed_by_the_back_office(db_session, entrepreneur):
    from portal.members.services import put_entrepreneur

    put_entrepreneur(
        db_session, entrepreneur, entrepreneur.email, by="API cae_x", status=MemberStatus.ASSOCIATE
    )
    (changed,) = events(db_session, "status_changed")
    assert changed.actor_label == "API cae_x"
    assert changed.detail == "salarie → associe"


def test_every_export_is_recorded_with_who_and_from_where(client, db_session, staff):
    login(client, staff.email)
    response = client.get("/staff/invoices.csv", environ_base=ADDRESS)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    response.close()
    (export,) = events(db_session, "export")
    assert export.actor_id == staff.id and export.ip == "198.51.100.23"
    assert export.target.endswith(".csv")


def test_an_unknown_event_kind_is_a_programming_error(db_session):
    with pytest.raises(ValueError):
        record(db_session, "made_up")


# --- the admins' page ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["entrepreneur", "staff"])
def test_only_admins_read_the_trail(client, entrepreneur, staff, role):
    login(client, entrepreneur.email if role == "entrepreneur" else staff.email)
    assert client.get("/admin/audit").status_code == 403


def test_the_page_lists_filters_and_pages_events(client, db_session, admin, entrepreneur, staff):
    now = utcnow()
    for minutes in range(60):
        record(db_session, "login", actor=entrepreneur, subject=entrepreneur, ip="10.0.0.1",
               at=now - timedelta(minutes=minutes))  # fmt: skip
    record(db_session, "receipt_approved", actor=staff, subject=entrepreneur, target="receipt 7",
           at=now - timedelta(days=40))  # fmt: skip
    db_session.commit()
    login(client, admin.email)
    page = client.get("/admin/audit").text
    assert "Journal d'audit" in page
    assert "62 événements" in page  # 60 + the receipt + the admin's own login
    assert "Page 1 sur 2" in page
    assert "Page 2 sur 2" in client.get("/admin/audit?page=2").text
    approvals = client.get("/admin/audit?event=receipt_approved").text
    assert "1 événement" in approvals and "receipt 7" in approvals
    by_member = client.get("/admin/audit", query_string={"member": "nadia"}).text
    assert "1 événement" in by_member  # the staff's approval, found by the actor's name
    old = (now - timedelta(days=40)).astimezone(PARIS).date()  # the filter reads Paris days
    in_range = client.get(
        "/admin/audit", query_string={"date_from": old.isoformat(), "date_to": old.isoformat()}
    ).text
    assert "1 événement" in in_range


def test_bad_filters_are_a_message_not_an_error(client, admin):
    login(client, admin.email)
    for query in ("date_from=2026-13-01", "date_from=2026-05-02&date_to=2026-05-01",
                  "event=nonsense", "page=0", "page=abc", "member=%25_%5C",
                  "date_to=9999-12-31", "date_from=0001-01-01"):  # fmt: skip
        response = client.get(f"/admin/audit?{query}")
        assert response.status_code == 200, query


def test_the_page_in_english(client, db_session, admin):
    admin.locale = "en"
    db_session.commit()
    login(client, admin.email)
    page = client.get("/admin/audit").text
    assert "Audit trail" in page and "1 event" in page
    assert all(str(label) for label in EVENTS.values())


# --- retention -------------------------------------------------------------------------------


def test_retention_counts_calendar_months():
    assert retention_cutoff(datetime(2027, 3, 31, 12, tzinfo=UTC), 13) == datetime(
        2026, 2, 28, 12, tzinfo=UTC
    )
    assert retention_cutoff(datetime(2027, 1, 15, tzinfo=UTC), 13) == datetime(
        2025, 12, 15, tzinfo=UTC
    )


def test_purge_deletes_events_older_than_the_retention_only(app, db_session, entrepreneur):
    now = utcnow()
    record(db_session, "login", subject=entrepreneur, at=now - timedelta(days=13 * 31 + 1))
    record(db_session, "login", subject=entrepreneur, at=now - timedelta(days=360))
    db_session.commit()
    assert purge(db_session, now, 13) == 1
    result = app.test_cli_runner().invoke(args=["purge-audit"])
    assert result.exit_code == 0 and "Deleted 0 audit events" in result.output
    assert db_session.scalar(select(func.count()).select_from(AuditEvent)) == 1
