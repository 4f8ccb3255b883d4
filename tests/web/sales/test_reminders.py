"""Reminders of overdue invoices: one tap by the entrepreneur (asked first), polite the first
time, then firm with the late-payment penalties and, for a business only, the 40 € recovery
indemnity; recorded on the history. A paid, credited or not yet overdue invoice is not
reminded. The coop's automatic reminders (`portal send-reminders`, the worker) go on the
days it set, each once whoever runs them, and the entrepreneur is told. The support team
sees every overdue invoice."""

from datetime import date, timedelta
from decimal import Decimal
from html import unescape

import pytest
from sqlalchemy import select

from portal.coop.services import coop_settings_for_update
from portal.dates import paris_today
from portal.db import utcnow
from portal.errors import DomainError
from portal.notifications.models import Notification, NotificationKind
from portal.outbox.models import OutboxMessage
from portal.sales import sending
from portal.sales.customers import CustomerInput, create_customer
from portal.sales.models import CustomerKind, InvoiceEvent, InvoiceEventKind
from portal.sales.services import (
    create_credit_note,
    record_payment,
    submit_invoice,
    validate_invoice,
)
from tests.helpers import count_queries, login
from tests.web.test_coop_settings import VALID as SETTINGS

ISSUED_ON = date(2026, 10, 1)  # due 30 days later: 2026-10-31
DUE = date(2026, 10, 31)


def customer_of(db_session, member, kind=CustomerKind.COMPANY, email="compta@dupont.example"):
    customer = create_customer(
        db_session,
        member,
        CustomerInput(
            name="Atelier Dupont SARL" if kind is CustomerKind.COMPANY else "Jeanne Martin",
            kind=kind,
            address="5 quai Saint-Vincent",
            postcode="69001",
            city="Lyon",
            email=email,
            siren="542107651" if kind is CustomerKind.COMPANY else "",
        ),
    )
    db_session.commit()
    return customer


@pytest.fixture
def overdue(db_session, make_invoice, entrepreneur, staff, coop):
    def make(kind=CustomerKind.COMPANY, email="compta@dupont.example"):
        invoice = make_invoice(for_customer=customer_of(db_session, entrepreneur, kind, email))
        submit_invoice(db_session, invoice, utcnow())
        validate_invoice(db_session, invoice, staff, ISSUED_ON, utcnow())
        db_session.commit()
        assert invoice.due_date == DUE
        return invoice

    return make


def reminders_of(db_session, invoice) -> list[InvoiceEvent]:
    db_session.expire_all()
    return list(
        db_session.scalars(
            select(InvoiceEvent)
            .where(
                InvoiceEvent.invoice_id == invoice.id,
                InvoiceEvent.kind == InvoiceEventKind.REMINDED,
            )
            .order_by(InvoiceEvent.id)
        )
    )


def mail_to(db_session, address) -> list[OutboxMessage]:
    db_session.expire_all()
    return list(
        db_session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.recipient == address)
            .order_by(OutboxMessage.id)
        )
    )


def remind(db_session, invoice, by, today=DUE + timedelta(days=10)):
    event = sending.remind(db_session, invoice, by, today, utcnow())
    db_session.commit()
    return event


# --- one tap ---------------------------------------------------------------------------


def test_first_reminder_is_polite_then_firm_with_penalties_and_indemnity_for_a_business(
    db_session, entrepreneur, overdue
):
    invoice = overdue()
    first = remind(db_session, invoice, entrepreneur)
    second = remind(db_session, invoice, entrepreneur, today=DUE + timedelta(days=30))
    assert (first.reminder_level, second.reminder_level) == (1, 2)
    polite, firm = mail_to(db_session, "compta@dupont.example")
    assert polite.reply_to == firm.reply_to == entrepreneur.email
    assert f"Relance : facture {invoice.number}" == polite.subject.replace("\xa0", " ")
    assert "Sauf erreur de notre part" in polite.body
    assert "Pénalités" not in polite.body and "40 €" not in polite.body
    assert "30 jours après son échéance" in firm.body
    assert "Pénalités de retard : taux de refinancement de la BCE" in firm.body
    assert "indemnité forfaitaire de 40 € pour frais de recouvrement" in firm.body
    assert [a.filename for a in firm.attachments] == [f"{invoice.number}.pdf"]


def test_an_individual_is_not_charged_the_recovery_indemnity(db_session, entrepreneur, overdue):
    invoice = overdue(kind=CustomerKind.INDIVIDUAL)
    remind(db_session, invoice, entrepreneur)
    remind(db_session, invoice, entrepreneur)
    _polite, firm = mail_to(db_session, "compta@dupont.example")
    assert "Pénalités de retard" in firm.body and "40 €" not in firm.body


def test_a_customer_abroad_is_reminded_in_english(db_session, entrepreneur, overdue):
    invoice = overdue()
    invoice.customer.country_code = "DE"
    remind(db_session, invoice, entrepreneur)
    [mail] = mail_to(db_session, "compta@dupont.example")
    assert mail.subject == f"Reminder: invoice {invoice.number}"
    assert "Unless we are mistaken" in mail.body


def test_one_tap_asks_then_reminds_and_shows_on_the_history(
    client, db_session, entrepreneur, overdue
):
    invoice = overdue()
    login(client, entrepreneur.email)
    page = unescape(client.get(f"/invoices/{invoice.id}").text)
    assert f'action="/invoices/{invoice.id}/remind"' in page
    asked = unescape(client.post(f"/invoices/{invoice.id}/remind").text)
    assert "Envoyer une relance au client\u202f?" in asked
    assert reminders_of(db_session, invoice) == []
    response = client.post(f"/invoices/{invoice.id}/remind", data={"confirmed": "1"})
    assert response.status_code == 303
    assert len(reminders_of(db_session, invoice)) == 1
    page = unescape(client.get(f"/invoices/{invoice.id}").text)
    assert "Relance courtoise envoyée · compta@dupont.example · Camille" in page


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ("paid", "Il ne reste rien à payer sur cette facture : aucune relance à envoyer."),
        ("credited", "Il ne reste rien à payer sur cette facture : aucune relance à envoyer."),
        ("not_due", "Cette facture n'est pas encore en retard : aucune relance à envoyer."),
        ("no_email", "Ajoutez l'adresse e-mail du client avant de lui envoyer une relance."),
    ],
)
def test_no_reminder_for_a_paid_credited_not_overdue_or_unreachable_invoice(
    client, db_session, entrepreneur, staff, overdue, state, message
):
    invoice = overdue(email="" if state == "no_email" else "compta@dupont.example")
    if state == "paid":
        record_payment(db_session, invoice, Decimal("1200"), DUE, staff)
    elif state == "credited":
        note = create_credit_note(db_session, invoice, DUE)
        submit_invoice(db_session, note, utcnow())
        validate_invoice(db_session, note, staff, DUE, utcnow())
    elif state == "not_due":
        invoice.due_date = date.today() + timedelta(days=5)
    db_session.commit()
    login(client, entrepreneur.email)
    response = client.post(f"/invoices/{invoice.id}/remind", data={"confirmed": "1"})
    page = unescape(client.get(response.headers["Location"]).text)
    assert message.replace(" :", "\xa0:") in page
    assert reminders_of(db_session, invoice) == []
    assert mail_to(db_session, "compta@dupont.example") == []


def test_a_credit_note_is_never_reminded(db_session, entrepreneur, staff, overdue):
    invoice = overdue()
    note = create_credit_note(db_session, invoice, DUE)
    submit_invoice(db_session, note, utcnow())
    validate_invoice(db_session, note, staff, DUE, utcnow())
    with pytest.raises(DomainError, match="Only a validated invoice can be reminded"):
        sending.remind(db_session, note, entrepreneur, DUE + timedelta(days=40), utcnow())


def test_another_members_invoice_is_not_found(client, db_session, make_member, overdue):
    invoice = overdue()
    login(client, make_member(email="autre@example.org").email)
    response = client.post(f"/invoices/{invoice.id}/remind", data={"confirmed": "1"})
    assert response.status_code == 404 and reminders_of(db_session, invoice) == []


# --- automatic --------------------------------------------------------------------------


def schedule(db_session, days: str) -> None:
    coop_settings_for_update(db_session).reminder_days = days
    db_session.commit()


def run(db_session, today):
    return sending.send_automatic_reminders(db_session, today, utcnow())


def test_automatic_reminders_go_on_the_coops_days_each_once(db_session, entrepreneur, overdue):
    invoice = overdue()
    told_before = len(mail_to(db_session, entrepreneur.email))  # the validation's
    schedule(db_session, "7, 30")
    assert run(db_session, DUE + timedelta(days=6)) == 0
    assert run(db_session, DUE + timedelta(days=7)) == 1
    assert run(db_session, DUE + timedelta(days=7)) == 0  # run again: nothing more
    assert run(db_session, DUE + timedelta(days=20)) == 0
    assert run(db_session, DUE + timedelta(days=31)) == 1
    assert run(db_session, DUE + timedelta(days=90)) == 0  # the schedule is over
    steps = [
        (e.automatic_step, e.reminder_level, e.actor_id) for e in reminders_of(db_session, invoice)
    ]
    assert steps == [(0, 1, None), (1, 2, None)]
    told = db_session.scalars(
        select(Notification).where(
            Notification.member_id == entrepreneur.id,
            Notification.kind == NotificationKind.INVOICE_REMINDED,
        )
    ).all()
    assert [n.params["number"] for n in told] == [invoice.number, invoice.number]
    assert len(mail_to(db_session, entrepreneur.email)) == told_before + 2  # by email at once


def test_a_late_start_sends_only_the_last_step_reached(db_session, overdue):
    invoice = overdue()
    schedule(db_session, "7, 30")
    assert run(db_session, DUE + timedelta(days=45)) == 1
    [event] = reminders_of(db_session, invoice)
    assert event.automatic_step == 1 and event.reminder_level == 1  # its first: polite
    assert run(db_session, DUE + timedelta(days=46)) == 0


def test_no_automatic_reminder_when_the_coop_set_none(db_session, overdue):
    invoice = overdue()
    schedule(db_session, "")
    assert run(db_session, DUE + timedelta(days=40)) == 0
    assert reminders_of(db_session, invoice) == []


def test_automatic_reminders_skip_paid_and_unreachable_invoices(db_session, staff, overdue):
    paid, unreachable = overdue(), overdue(email="")
    record_payment(db_session, paid, Decimal("1200"), DUE, staff)
    db_session.commit()
    schedule(db_session, "7")
    assert run(db_session, DUE + timedelta(days=8)) == 0
    assert reminders_of(db_session, paid) == reminders_of(db_session, unreachable) == []


def test_the_command_sends_the_reminders_due_today(app, db_session, overdue):
    invoice = overdue()
    schedule(db_session, "1")
    result = app.test_cli_runner().invoke(args=["send-reminders"])
    assert result.exit_code == 0, result.output
    assert "1 reminder(s) queued" in result.output
    assert app.test_cli_runner().invoke(args=["send-reminders"]).output.startswith("0 ")
    assert len(reminders_of(db_session, invoice)) == 1


# --- the support team -----------------------------------------------------------------------


def test_staff_see_every_overdue_invoice_with_days_late_and_last_reminder(
    client, db_session, entrepreneur, staff, overdue, make_invoice
):
    reminded, silent = overdue(), overdue()
    make_invoice()  # a draft: not listed
    remind(db_session, reminded, entrepreneur, today=date(2026, 11, 10))
    login(client, staff.email)
    page = unescape(client.get("/staff/invoices/overdue").text)
    days = (paris_today() - DUE).days  # the page counts Paris days
    assert f"{days} jours de retard" in page
    assert page.count("1\u202f200,00\xa0€") == 2
    assert reminded.number in page and silent.number in page
    assert "1 relance, la dernière le" in page and "Aucune relance" in page
    assert client.get("/staff/invoices/overdue?page=x").status_code == 200


def test_entrepreneurs_do_not_see_the_overdue_list(client, entrepreneur):
    login(client, entrepreneur.email)
    assert client.get("/staff/invoices/overdue").status_code == 403


# --- the coop's settings ------------------------------------------------------------------


def test_admin_sets_the_reminder_days_and_the_electronic_address(client, admin, db_session):
    login(client, admin.email)
    data = {**SETTINGS, "reminder_days": " 7 ;30 ", "einvoicing_address": "732829320_ventes"}
    assert client.post("/admin/settings", data=data).status_code == 303
    db_session.expire_all()
    settings = coop_settings_for_update(db_session)
    assert settings.reminder_days == "7, 30"
    assert settings.einvoicing_address == "732829320_ventes"
    data = {**data, "reminder_days": ""}
    assert client.post("/admin/settings", data=data).status_code == 303
    db_session.expire_all()
    assert coop_settings_for_update(db_session).reminder_days == ""  # empty: off


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("reminder_days", "7, trente", "nombres entiers de jours"),
        ("reminder_days", "7, 3²", "nombres entiers de jours"),
        ("reminder_days", "30, 7", "par ordre croissant"),
        ("reminder_days", "7, 7", "par ordre croissant"),
        ("reminder_days", "0", "entre 1 et 365 jours"),
        ("reminder_days", "400", "entre 1 et 365 jours"),
        ("reminder_days", "1, 2, 3, 4, 5, 6", "5 relances automatiques au plus"),
        ("einvoicing_address", "732829320 ventes", "uniquement, sans espace"),
    ],
)
def test_bad_reminder_days_or_address_are_refused_and_nothing_changes(
    client, admin, db_session, field, value, message
):
    coop_settings_for_update(db_session).reminder_days = "10"
    db_session.commit()
    login(client, admin.email)
    response = client.post("/admin/settings", data={**SETTINGS, field: value})
    assert response.status_code == 200 and message in unescape(response.text)
    db_session.expire_all()
    settings = coop_settings_for_update(db_session)
    assert (settings.reminder_days, settings.einvoicing_address) == ("10", "")


def test_the_overdue_list_runs_the_same_queries_for_one_invoice_or_a_page(
    app, client, db_session, entrepreneur, staff, overdue
):
    remind(db_session, overdue(), entrepreneur, today=date(2026, 11, 10))
    login(client, staff.email)
    engine = app.extensions["database"].engine
    with count_queries(engine) as one:
        client.get("/staff/invoices/overdue")
    for _ in range(4):
        remind(db_session, overdue(), entrepreneur, today=date(2026, 11, 10))
    with count_queries(engine) as five:
        page = client.get("/staff/invoices/overdue").text
    assert page.count("1 relance, la dernière le") == 5
    assert five() == one()
