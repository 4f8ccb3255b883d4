"""Notifications: written in the transaction of the change that causes them, listed in the
app (unread count in the header, opened and marked read, another member's a 404), and
emailed in the member's language, text and HTML, unless the member turned that kind off;
the support team's queue comes in a daily summary."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from email import message_from_bytes, policy

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from portal.db import utcnow
from portal.expenses import services as expenses
from portal.expenses.models import ExpenseCategory, PaidBy
from portal.meetings import services as meetings
from portal.members.models import MemberStatus
from portal.notifications import services
from portal.notifications.models import Notification, NotificationKind
from portal.outbox.models import OutboxMessage
from portal.outbox.services import deliver_pending
from portal.projection.records import record_payslip
from portal.sales import services as sales
from portal.sales.customers import CustomerInput, create_customer
from portal.workshops import services as workshops
from tests.helpers import PASSWORD, delivered, lines, login
from tests.unit.test_uploads import jpeg_with_gps
from tests.web.test_outbox import Inbox, smtp_server

Kind = NotificationKind


def notifications_of(db_session, member, kind=None) -> list[Notification]:
    query = select(Notification).where(Notification.member_id == member.id)
    if kind is not None:
        query = query.where(Notification.kind == kind)
    return list(db_session.scalars(query.order_by(Notification.id)))


def mail_to(db_session, member) -> list[OutboxMessage]:
    delivered(db_session)
    return list(
        db_session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.recipient == member.email)
            .order_by(OutboxMessage.id)
        )
    )


def submitted_invoice(db_session, member):
    customer = create_customer(
        db_session,
        member,
        CustomerInput(
            name="Client SAS",
            address="2 avenue du Client",
            postcode="75001",
            city="Paris",
            siren="542107651",
            vat_number="FR13542107651",
        ),
    )
    invoice, _ = sales.create_invoice(
        db_session,
        member,
        sales.InvoiceInput(
            customer=customer,
            issue_date=date(2026, 11, 2),
            due_date=None,
            lines=lines(("2", "500", "20")),
            activity_id=member.activities[0].id,
        ),
    )
    sales.submit_invoice(db_session, invoice, utcnow())
    db_session.commit()
    return invoice


def validated_invoice(db_session, member, staff):
    invoice = submitted_invoice(db_session, member)
    sales.validate_invoice(db_session, invoice, staff, date(2026, 11, 26), utcnow())
    db_session.commit()
    return invoice


def submitted_receipt(db_session, member):
    category = db_session.scalar(
        select(ExpenseCategory).where(ExpenseCategory.name == "Abonnements")
    )
    data = expenses.ReceiptInput(
        spent_on=date.today() - timedelta(days=2),
        supplier="Papeterie Centrale",
        amount=Decimal("120.00"),
        category_id=category.id,
        paid_by=PaidBy.MEMBER,
        vat_by_rate={Decimal("0.20"): Decimal("20.00")},
        customer_id=None,
    )
    receipt, _ = expenses.create_receipt(db_session, member, data, jpeg_with_gps((80, 60)), "k1")
    expenses.submit_receipt(db_session, receipt)
    db_session.commit()
    return receipt


def workshop(db_session, seats=10):
    starts_at = utcnow().replace(microsecond=0) + timedelta(days=7)
    made = workshops.create_or_update_workshop(
        db_session,
        None,
        {
            "title": "Fixer ses prix",
            "place": "Salle Jacquard",
            "starts_at": starts_at,
            "ends_at": starts_at + timedelta(hours=2),
            "seats": seats,
        },
    )
    db_session.commit()
    return made


def meeting(db_session, days_from_now=7):
    day = meetings.paris_time(utcnow()).date() + timedelta(days=days_from_now)
    details = meetings.MeetingDetails(
        title="Réunion mensuelle", day=day, start=time(18, 30), end=time(20), location="Salle"
    )
    made = meetings.schedule_meeting(db_session, details, utcnow() - timedelta(days=30))
    db_session.commit()
    return made


# --- in the transaction of the change -----------------------------------------------------


def test_a_notification_and_its_mail_are_rolled_back_with_their_change(
    db_session, entrepreneur, staff, coop
):
    invoice = submitted_invoice(db_session, entrepreneur)
    sales.return_invoice(db_session, invoice, staff, "Le SIREN manque.", utcnow())
    assert len(notifications_of(db_session, entrepreneur, Kind.INVOICE_RETURNED)) == 1
    db_session.rollback()
    assert notifications_of(db_session, entrepreneur, Kind.INVOICE_RETURNED) == []
    assert mail_to(db_session, entrepreneur) == []


def test_a_refused_change_tells_nobody(client, db_session, entrepreneur, staff, coop):
    invoice = submitted_invoice(db_session, entrepreneur)
    login(client, staff.email)
    response = client.post(f"/staff/invoices/{invoice.id}/return", data={"comment": " "})
    assert response.status_code in (200, 303)
    assert notifications_of(db_session, entrepreneur) == []
    assert mail_to(db_session, entrepreneur) == []


# --- email: language, parts, settings ------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "subject", "words"),
    [
        ("fr", "Votre facture à Client SAS vous est renvoyée\xa0: Le SIREN manque.", "Bonjour"),
        ("en", "Your invoice to Client SAS was returned: Le SIREN manque.", "Hello"),
    ],
)
def test_the_mail_is_in_the_members_language_whatever_the_request(
    client, db_session, entrepreneur, staff, coop, locale, subject, words
):
    entrepreneur.locale = locale
    staff.locale = "fr" if locale == "en" else "en"  # the one acting reads the other
    db_session.commit()
    invoice = submitted_invoice(db_session, entrepreneur)
    login(client, staff.email)
    client.post(f"/staff/invoices/{invoice.id}/return", data={"comment": "Le SIREN manque."})
    [mail] = mail_to(db_session, entrepreneur)
    assert mail.subject == subject
    assert mail.body.startswith(f"{words} Camille,") and "Le SIREN manque." in mail.body
    assert f'<html lang="{locale}">' in mail.html and f"http://localhost/invoices/{invoice.id}" in (
        mail.html
    )


def test_the_mail_leaves_with_a_text_and_an_html_part(app, db_session, entrepreneur, staff, coop):
    invoice = submitted_invoice(db_session, entrepreneur)
    sales.return_invoice(db_session, invoice, staff, "Corriger <la TVA>", utcnow())
    db_session.commit()
    inbox = Inbox()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_STARTTLS=False)
    try:
        with smtp_server(inbox) as port:
            app.config["SMTP_PORT"] = port
            assert deliver_pending(db_session) >= 1
    finally:
        app.config.update(SMTP_HOST=None, SMTP_STARTTLS=True)
    [envelope] = [e for e in inbox.received if e.rcpt_tos == [entrepreneur.email]]
    message = message_from_bytes(envelope.content, policy=policy.default)
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Corriger <la TVA>" in text and "Corriger &lt;la TVA&gt;" in html
    assert f'href="http://localhost/invoices/{invoice.id}"' in html


def test_a_kind_turned_off_sends_no_mail_but_stays_in_the_list(
    client, db_session, entrepreneur, staff, coop
):
    login(client, entrepreneur.email)
    page = client.get("/notifications/settings").text
    assert "Une facture vous est renvoyée" in page
    response = client.post("/notifications/settings", data={"invoice_returned": "off"})
    assert response.status_code == 303
    invoice = submitted_invoice(db_session, entrepreneur)
    sales.return_invoice(db_session, invoice, staff, "Le SIREN manque.", utcnow())
    db_session.commit()
    assert len(notifications_of(db_session, entrepreneur, Kind.INVOICE_RETURNED)) == 1
    assert mail_to(db_session, entrepreneur) == []
    # Another kind keeps its default: at once.
    sales.submit_invoice(db_session, invoice, utcnow())
    sales.validate_invoice(db_session, invoice, staff, date(2026, 11, 26), utcnow())
    db_session.commit()
    assert len(mail_to(db_session, entrepreneur)) == 1


def test_a_bad_setting_is_refused_and_nothing_changes(logged_in, db_session, entrepreneur):
    response = logged_in.post("/notifications/settings", data={"invoice_returned": "sometimes"})
    assert response.status_code == 200 and "Not a valid choice" not in response.text
    assert 'aria-invalid="true"' in response.text
    assert services.email_settings(db_session, entrepreneur)[Kind.INVOICE_RETURNED].value == (
        "at_once"
    )


# --- the list, the count, reading ---------------------------------------------------------


def test_unread_count_in_the_header_and_opening_one_marks_it_read(
    client, db_session, entrepreneur, staff, coop
):
    invoice = validated_invoice(db_session, entrepreneur, staff)
    sales.record_payment(db_session, invoice, Decimal("1200.00"), date(2026, 11, 27), staff)
    db_session.commit()
    login(client, entrepreneur.email)
    home = client.get("/").text
    assert '<span class="count" aria-hidden="true">2</span>' in home and "2 non lues" in home
    page = client.get("/notifications").text
    assert f"La facture {invoice.number} à Client SAS est payée" in page
    assert page.count('class="badge unread"') == 2
    paid, validated = (
        notifications_of(db_session, entrepreneur, Kind.INVOICE_PAID)[0],
        notifications_of(db_session, entrepreneur, Kind.INVOICE_VALIDATED)[0],
    )
    response = client.get(f"/notifications/{paid.id}")
    assert response.status_code == 303 and response.location == f"/invoices/{invoice.id}"
    db_session.refresh(paid)
    db_session.refresh(validated)
    assert paid.read_at is not None and validated.read_at is None
    assert '<span class="count" aria-hidden="true">1</span>' in client.get("/").text


def test_mark_all_read_with_htmx_updates_the_list_and_the_count(
    client, db_session, entrepreneur, staff, coop
):
    validated_invoice(db_session, entrepreneur, staff)
    login(client, entrepreneur.email)
    response = client.post("/notifications/read", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert '<div id="notifications">' in response.text
    assert 'id="unread-count" hx-swap-oob="true"' in response.text
    assert 'class="badge unread"' not in response.text
    assert services.unread_count(db_session, entrepreneur.id) == 0


def test_mark_all_read_without_javascript_redirects_to_the_list(
    client, db_session, entrepreneur, staff, coop
):
    validated_invoice(db_session, entrepreneur, staff)
    login(client, entrepreneur.email)
    response = client.post("/notifications/read")
    assert response.status_code == 303 and response.location == "/notifications"
    assert services.unread_count(db_session, entrepreneur.id) == 0


def test_another_members_notification_is_a_404_and_stays_unread(
    client, db_session, entrepreneur, staff, coop, make_member
):
    validated_invoice(db_session, entrepreneur, staff)
    [theirs] = notifications_of(db_session, entrepreneur)
    for reader in (make_member(), staff):  # not even the support team
        client.post("/logout")
        login(client, reader.email, PASSWORD)
        assert client.get(f"/notifications/{theirs.id}").status_code == 404
        assert str(theirs.id) not in client.get("/notifications").text.split("notifications/")
    for path in ("/notifications/abc", "/notifications/99999999999999999999"):
        assert client.get(path).status_code == 404
    db_session.refresh(theirs)
    assert theirs.read_at is None


def test_the_list_is_paged_newest_first(logged_in, db_session, entrepreneur):
    for number in range(services.PER_PAGE + 2):
        services.notify(
            db_session,
            entrepreneur,
            Kind.INVOICE_VALIDATED,
            "/invoices",
            number=f"F-{number:04d}",
            customer="Client",
        )
    db_session.commit()
    first = logged_in.get("/notifications").text
    assert f"F-{services.PER_PAGE + 1:04d}" in first and "F-0000" not in first
    assert "Page 1 sur 2" in first
    second = logged_in.get("/notifications?page=2").text
    assert "F-0000" in second and "F-0001" in second
    assert logged_in.get("/notifications?page=x").status_code == 200


def test_pages_need_a_login(client):
    for path in ("/notifications", "/notifications/settings", "/notifications/1"):
        assert client.get(path).status_code == 302


# --- the support team's daily summary -----------------------------------------------------


def test_staff_get_new_queue_items_in_one_daily_summary(app, db_session, entrepreneur, staff):
    submitted_invoice(db_session, entrepreneur)
    submitted_receipt(db_session, entrepreneur)
    kinds = {n.kind for n in notifications_of(db_session, staff)}
    assert kinds == {Kind.INVOICE_SUBMITTED, Kind.RECEIPT_SUBMITTED}
    assert mail_to(db_session, staff) == []  # not at once: in the summary
    result = CliRunner().invoke(app.cli, ["send-digest"], catch_exceptions=False)
    assert result.exit_code == 0 and "1 summary email(s) queued" in result.output
    [summary] = mail_to(db_session, staff)
    assert "2 nouveautés" in summary.subject
    assert "Camille Durand a envoyé une facture à Client SAS pour validation" in summary.body
    assert "Papeterie Centrale" in summary.html
    again = CliRunner().invoke(app.cli, ["send-digest"], catch_exceptions=False)
    assert "0 summary email(s) queued" in again.output
    assert len(mail_to(db_session, staff)) == 1


def test_a_summary_turned_off_drops_what_waited(db_session, entrepreneur, staff):
    submitted_invoice(db_session, entrepreneur)
    services.save_email_settings(
        db_session, staff, {Kind.INVOICE_SUBMITTED: services.EmailDelivery.OFF}
    )
    assert services.send_digests(db_session, utcnow()) == 0
    assert mail_to(db_session, staff) == []
    assert len(notifications_of(db_session, staff, Kind.INVOICE_SUBMITTED)) == 1


# --- each event tells its member -----------------------------------------------------------


def test_invoice_validated_paid_and_returned_are_told(db_session, entrepreneur, staff, coop):
    invoice = validated_invoice(db_session, entrepreneur, staff)
    sales.record_payment(db_session, invoice, Decimal("600.00"), date(2026, 11, 27), staff)
    assert notifications_of(db_session, entrepreneur, Kind.INVOICE_PAID) == []  # partly
    sales.record_payment(db_session, invoice, Decimal("600.00"), date(2026, 11, 28), staff)
    other = submitted_invoice(db_session, entrepreneur)
    sales.return_invoice(db_session, other, staff, "Le SIREN manque.", utcnow())
    db_session.commit()
    [validated] = notifications_of(db_session, entrepreneur, Kind.INVOICE_VALIDATED)
    assert validated.params == {"number": invoice.number, "customer": "Client SAS"}
    assert validated.link == f"/invoices/{invoice.id}"
    [paid] = notifications_of(db_session, entrepreneur, Kind.INVOICE_PAID)
    assert paid.params["amount_cents"] == 120000
    [returned] = notifications_of(db_session, entrepreneur, Kind.INVOICE_RETURNED)
    assert returned.params["comment"] == "Le SIREN manque."


def test_a_refund_on_a_credit_note_tells_its_entrepreneur(db_session, entrepreneur, staff, coop):
    invoice = validated_invoice(db_session, entrepreneur, staff)
    sales.record_payment(db_session, invoice, Decimal("1200.00"), date(2026, 11, 27), staff)
    note = sales.create_credit_note(db_session, invoice, date(2026, 11, 28))
    sales.submit_invoice(db_session, note, utcnow())
    sales.validate_invoice(db_session, note, staff, date(2026, 11, 28), utcnow())
    assert notifications_of(db_session, entrepreneur, Kind.CREDIT_NOTE_REFUNDED) == []
    sales.record_refund(
        db_session, note, Decimal("400.00"), date(2026, 11, 29), staff, date(2026, 11, 30)
    )
    delivered(db_session)
    [refunded] = notifications_of(db_session, entrepreneur, Kind.CREDIT_NOTE_REFUNDED)
    assert refunded.params == {
        "number": note.number,
        "customer": "Client SAS",
        "amount_cents": 40000,
    }
    assert refunded.link == f"/invoices/{note.id}"
    [mail] = [m for m in db_session.scalars(select(OutboxMessage)) if "rembours" in m.subject]
    assert mail.recipient == entrepreneur.email
    assert "400,00\xa0€" in mail.body


def test_a_trusted_entrepreneur_validating_their_own_invoice_is_not_told(
    db_session, entrepreneur, coop
):
    entrepreneur.trusted_invoicing = True
    invoice = submitted_invoice(db_session, entrepreneur)
    sales.validate_invoice(db_session, invoice, entrepreneur, date(2026, 11, 26), utcnow())
    assert notifications_of(db_session, entrepreneur, Kind.INVOICE_VALIDATED) == []


def test_receipt_approved_refused_and_reimbursed_are_told(db_session, entrepreneur, staff):
    receipt = submitted_receipt(db_session, entrepreneur)
    expenses.approve_receipt(db_session, receipt, staff)
    expenses.record_reimbursement(db_session, receipt)
    refused = expenses.create_receipt(
        db_session,
        entrepreneur,
        expenses.ReceiptInput(
            spent_on=date.today() - timedelta(days=1),
            supplier="Librairie",
            amount=Decimal("30.00"),
            category_id=receipt.category_id,
            paid_by=PaidBy.MEMBER,
            vat_by_rate={},
            customer_id=None,
        ),
        jpeg_with_gps((80, 60)),
        "k2",
    )[0]
    expenses.submit_receipt(db_session, refused)
    expenses.reject_receipt(db_session, refused, staff, "Illisible")
    db_session.commit()
    [approved] = notifications_of(db_session, entrepreneur, Kind.RECEIPT_APPROVED)
    assert approved.params == {"label": "Papeterie Centrale", "amount_cents": 12000}
    assert len(notifications_of(db_session, entrepreneur, Kind.RECEIPT_REIMBURSED)) == 1
    [rejected] = notifications_of(db_session, entrepreneur, Kind.RECEIPT_REFUSED)
    assert "Illisible" in rejected.text()
    assert [n.kind for n in notifications_of(db_session, staff)] == [Kind.RECEIPT_SUBMITTED] * 2


def test_payslip_recorded_is_told(db_session, entrepreneur):
    record_payslip(
        db_session,
        entrepreneur,
        period="2026-10",
        gross_cents=200000,
        net_cents=156000,
        employer_cost_cents=290000,
        paid_on=date(2026, 10, 31),
    )
    [payslip] = notifications_of(db_session, entrepreneur, Kind.PAYSLIP_RECORDED)
    assert payslip.text() == "Your payslip of October 2026 is recorded"
    assert payslip.link == "/"
    [mail] = mail_to(db_session, entrepreneur)
    assert "560,00" in mail.body


def test_bookings_confirmed_promoted_moved_and_cancelled_are_told(
    db_session, entrepreneur, make_member
):
    other = make_member()
    made = workshop(db_session, seats=1)
    workshops.book_seat(db_session, made, other, by=other, now=utcnow())
    workshops.book_seat(db_session, made, entrepreneur, by=entrepreneur, now=utcnow())
    assert notifications_of(db_session, entrepreneur) == []  # waiting: nothing confirmed yet
    assert len(notifications_of(db_session, other, Kind.BOOKING_CONFIRMED)) == 1
    workshops.cancel_booking(db_session, made, other, by=other, now=utcnow())
    assert len(notifications_of(db_session, entrepreneur, Kind.BOOKING_PROMOTED)) == 1
    workshops.create_or_update_workshop(db_session, made.ref, {"description": "Mieux dit."})
    assert notifications_of(db_session, entrepreneur, Kind.WORKSHOP_CHANGED) == []
    later = made.starts_at + timedelta(hours=1)
    workshops.create_or_update_workshop(
        db_session, made.ref, {"starts_at": later, "ends_at": later + timedelta(hours=2)}
    )
    [changed] = notifications_of(db_session, entrepreneur, Kind.WORKSHOP_CHANGED)
    assert changed.params["starts_at"] == later.isoformat()
    workshops.cancel_workshop(db_session, made, utcnow())
    assert len(notifications_of(db_session, entrepreneur, Kind.WORKSHOP_CANCELLED)) == 1
    assert notifications_of(db_session, other, Kind.WORKSHOP_CANCELLED) == []  # had left
    subjects = [m.subject for m in mail_to(db_session, entrepreneur)]
    promoted = "Une place s'est libérée\xa0: vous êtes inscrit·e à Fixer ses prix"
    assert subjects[0].startswith(promoted)
    assert subjects[-1].startswith("Atelier annulé\xa0: Fixer ses prix")


def test_meeting_invitation_reminder_and_notes_are_told(db_session, entrepreneur, make_member):
    associate = make_member(status=MemberStatus.ASSOCIATE)
    made = meeting(db_session)
    for member in (entrepreneur, associate):
        assert len(notifications_of(db_session, member, Kind.MEETING_INVITATION)) == 1
    meetings.answer_invitation(db_session, made, associate, "yes", "", utcnow())
    assert meetings.send_reminder(db_session, made, utcnow()) == 1
    assert len(notifications_of(db_session, entrepreneur, Kind.MEETING_REMINDER)) == 1
    assert notifications_of(db_session, associate, Kind.MEETING_REMINDER) == []
    after = made.starts_at + timedelta(hours=3)
    meetings.publish_notes(db_session, made, "## Budget", [], after)
    meetings.publish_notes(db_session, made, "## Budget, corrigé", [], after)  # told once
    for member in (entrepreneur, associate):
        [notes] = notifications_of(db_session, member, Kind.MEETING_NOTES)
        assert notes.link == f"/meetings/{made.ref}"


def test_every_kind_has_its_text_and_html_mail_in_both_languages(app, db_session, entrepreneur):
    params = {
        "number": "F-1",
        "customer": "C",
        "comment": "x",
        "amount_cents": 100,
        "label": "L",
        "reason": "r",
        "period_month": "2026-10",
        "net_cents": 100,
        "title": "T",
        "starts_at": datetime(2026, 12, 1, 17, 30).astimezone().isoformat(),
        "member": "M",
        "contractor": "C2",
        "subcontractor": "S2",
    }
    at_once = {kind: services.EmailDelivery.AT_ONCE for kind in NotificationKind}
    services.save_email_settings(db_session, entrepreneur, at_once)  # staff kinds too
    for locale in ("fr", "en"):  # written when delivered, in the member's language then
        entrepreneur.locale = locale
        for kind in NotificationKind:
            services.notify(db_session, entrepreneur, kind, "/", **params)
        delivered(db_session)
    mails = mail_to(db_session, entrepreneur)
    assert len(mails) == 2 * len(NotificationKind)
    for mail in mails:
        assert mail.body.strip() and "http://localhost/" in mail.body
        assert "<html" in mail.html and 'href="http://localhost/"' in mail.html
    assert len({m.body for m in mails}) == len(mails)


def test_unread_count_is_one_query(app, logged_in, db_session, entrepreneur):
    """The header is on every page: its count is one indexed query, however many there are."""
    from tests.helpers import count_queries

    def queries() -> int:
        with count_queries(app.extensions["database"].engine) as counted:
            assert logged_in.get("/notifications/settings").status_code == 200
        return counted()

    queries()
    before = queries()
    for _ in range(40):
        services.notify(db_session, entrepreneur, Kind.INVOICE_PAID, "/", number="F", customer="C")
    db_session.commit()
    assert queries() == before
    assert db_session.scalar(select(func.count()).select_from(Notification)) == 40
