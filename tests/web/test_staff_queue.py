"""The support team's home is their work queue, their navigation leads to their sections
with what waits counted, and they validate invoices or approve receipts several at once
after a page saying what will happen to each."""

from datetime import time, timedelta
from html import unescape

import pytest
from sqlalchemy import select

from portal.dates import paris_today
from portal.db import utcnow
from portal.expenses import services as expenses
from portal.expenses.models import Receipt, ReceiptStatus
from portal.meetings.services import MeetingDetails, schedule_meeting
from portal.projection.months import add_months, first_of_month
from portal.projection.records import record_balance
from portal.sales import services as sales
from portal.sales.customers import create_customer
from portal.sales.models import Invoice, InvoiceStatus
from tests.helpers import EARNING_CUSTOMER, count_queries, login
from tests.web.sales.conftest import customer, make_invoice  # noqa: F401 (fixtures)
from tests.web.test_expenses import make_receipt
from tests.web.test_workshops import make_workshop  # noqa: F401 (fixture)

TODAY = paris_today()


@pytest.fixture
def staff_client(client, staff):
    login(client, staff.email)
    return client


def submitted(db_session, make_invoice, n=1, **fields):  # noqa: F811
    invoices = []
    for _ in range(n):
        invoice = make_invoice(**fields)
        sales.submit_invoice(db_session, invoice, utcnow())
        invoices.append(invoice)
    db_session.commit()
    return invoices


def submitted_receipt(app, db_session, member, **fields):
    with app.app_context():
        receipt = make_receipt(db_session, member, **fields)
    expenses.submit_receipt(db_session, receipt)
    db_session.commit()
    return receipt


# --- the home page and the navigation ---------------------------------------------------------


def test_staff_home_lists_what_waits_each_one_tap_from_its_action(
    app,
    staff_client,
    db_session,
    entrepreneur,
    staff,
    coop,
    make_invoice,  # noqa: F811
    make_workshop,  # noqa: F811
):
    (invoice,) = submitted(db_session, make_invoice)
    late = make_invoice()
    sales.submit_invoice(db_session, late, utcnow())
    sales.validate_invoice(db_session, late, staff, TODAY - timedelta(days=60), utcnow())
    receipt = submitted_receipt(app, db_session, entrepreneur, supplier="Papeterie Centrale")
    workshop = make_workshop(days=2, title="Fixer ses prix")
    meeting = schedule_meeting(
        db_session,
        MeetingDetails("Réunion mensuelle", TODAY + timedelta(days=3), time(18), time(20), "Salle"),
        utcnow(),
    )
    make_workshop(days=20, title="Atelier lointain")
    db_session.commit()
    page = unescape(staff_client.get("/").text)
    assert "<h1>À traiter</h1>" in page
    assert "Combien mon activité" not in page  # the entrepreneur's question
    assert "1 facture à valider" in page
    what = '<span class="queue-what"><strong>'
    assert f'<a href="/invoices/{invoice.id}">{what}{entrepreneur.full_name}</strong>' in page
    assert "1 dépense à vérifier" in page
    assert f'<a href="/receipts/{receipt.id}">' in page
    assert "1 entrepreneur avec des factures en retard" in page
    assert f'href="/staff/invoices?member={entrepreneur.id}&status=overdue"' in page
    what = '<strong class="queue-what">'
    assert f'href="/workshops/{workshop.id}/participants">{what}Fixer ses prix</strong>' in page
    assert "0 / 10 réservées" in page
    assert "Atelier lointain" not in page  # not this week
    assert f'href="/meetings/{meeting.ref}/answers">{what}Réunion mensuelle</strong>' in page
    assert "0 oui · 0 non · 0 peut-être" in page
    # The runways come after the first screen, from their own URL (a link without JS).
    assert 'hx-get="/staff/runways-to-watch" hx-trigger="load"' in page


def test_staff_navigation_leads_to_staff_sections_with_counts(
    app,
    staff_client,
    db_session,
    entrepreneur,
    make_invoice,  # noqa: F811
):
    submitted(db_session, make_invoice, n=2)
    submitted_receipt(app, db_session, entrepreneur)
    page = staff_client.get("/workshops").text
    nav = page[page.index('<nav class="nav"') : page.index("</nav>")]
    links = [part.split('"')[0] for part in nav.split('<li><a href="')[1:]]
    assert links[:3] == ["/", "/staff/invoices/queue", "/receipts/queue"]
    assert "/workshops" in links and "/meetings/" in links
    assert "/invoices" not in links  # their own invoices: they have none
    assert 'À valider</span> <span class="count">2<' in nav
    assert 'Dépenses</span> <span class="count">1<' in nav


def test_entrepreneurs_keep_their_own_navigation(logged_in):
    nav = logged_in.get("/").text
    nav = nav[nav.index('<nav class="nav"') : nav.index("</nav>")]
    assert 'href="/invoices"' in nav and 'href="/staff/invoices/queue"' not in nav
    assert 'class="count"' not in nav


def test_runways_to_watch_are_the_salaried_with_less_than_a_month(
    staff_client, db_session, make_member
):
    last_month = add_months(first_of_month(TODAY), -1)
    short = make_member(full_name="Zoé Juste")
    rich = make_member(full_name="Alice Riche")
    record_balance(db_session, short, on=last_month, amount_cents=10_000, today=TODAY)
    record_balance(db_session, rich, on=last_month, amount_cents=5_000_000, today=TODAY)
    db_session.commit()
    page = staff_client.get("/staff/runways-to-watch", headers={"HX-Request": "true"}).text
    assert page.lstrip().startswith('<section class="card queue-section" id="runways"')
    assert "Zoé Juste" in page and "Alice Riche" not in page
    assert "<h1>" in staff_client.get("/staff/runways-to-watch").text  # whole page without JS


def test_entrepreneurs_cannot_open_the_runways(logged_in):
    assert logged_in.get("/staff/runways-to-watch").status_code == 403


def test_the_home_page_queries_do_not_grow_with_members_or_items(
    app,
    staff_client,
    db_session,
    make_member,
    staff,
    coop,
    make_invoice,  # noqa: F811
    make_workshop,  # noqa: F811
):
    def add(n):
        for _ in range(n):
            member = make_member(activities=("Conseil",))
            theirs = create_customer(db_session, member, EARNING_CUSTOMER)
            submitted(db_session, make_invoice, member=member, for_customer=theirs)
            submitted_receipt(app, db_session, member)
            late = make_invoice(member=member, for_customer=theirs)
            sales.submit_invoice(db_session, late, utcnow())
            sales.validate_invoice(db_session, late, staff, TODAY - timedelta(days=60), utcnow())
            make_workshop(days=2)
        db_session.commit()

    def queries():
        staff_client.get("/")  # warm: the first request loads more
        with count_queries(app.extensions["database"].engine) as counted:
            assert staff_client.get("/").status_code == 200
        return counted()

    add(2)
    few = queries()
    add(8)
    assert queries() == few


# --- several at once --------------------------------------------------------------------------


def test_bulk_validation_lists_what_will_happen_then_validates_the_valid_ones(
    staff_client,
    db_session,
    staff,
    coop,
    make_invoice,  # noqa: F811
):
    first, second = submitted(db_session, make_invoice, n=2)
    draft = make_invoice()
    ids = [str(first.id), str(draft.id), str(second.id)]
    page = unescape(staff_client.post("/staff/invoices/validate", data={"ids": ids}).text)
    assert "Valider ces factures\u202f?" in page
    assert "2 factures seront validées et numérotées" in page
    assert "Ne sera pas validée\xa0: Vous ne pouvez pas valider cette facture." in page
    assert '<button class="button primary">Valider 2 factures</button>' in page
    assert f'<input type="hidden" name="ids" value="{draft.id}">' not in page
    db_session.expire_all()
    assert db_session.scalars(select(Invoice.number)).all() == [None] * 3  # nothing yet
    # Confirmed, even with the draft still named: the others go, it is named with its reason.
    response = staff_client.post(
        "/staff/invoices/validate", data={"ids": ids, "confirmed": "1"}, follow_redirects=True
    )
    db_session.expire_all()
    assert first.status is second.status is InvoiceStatus.VALIDATED
    assert draft.status is InvoiceStatus.DRAFT
    assert second.number_sequence == first.number_sequence + 1
    page = unescape(response.text)
    assert f"2 factures validées\xa0: {first.number}, {second.number}." in page
    assert "Vous ne pouvez pas valider cette facture." in page


def test_a_refusal_in_the_middle_leaves_no_gap_in_the_numbers(
    staff_client,
    db_session,
    staff,
    coop,
    make_invoice,  # noqa: F811
):
    """An invoice refused once it has begun (here: a credit note over what is left of its
    invoice, found after the row locks) gives its number back with its savepoint."""
    first, second, third = submitted(db_session, make_invoice, n=3)
    sales.validate_invoice(db_session, third, staff, TODAY, utcnow())
    note = sales.create_credit_note(db_session, third, TODAY)
    sales.submit_invoice(db_session, note, utcnow())
    other = sales.create_credit_note(db_session, third, TODAY, "second")
    sales.submit_invoice(db_session, other, utcnow())
    sales.validate_invoice(db_session, other, staff, TODAY, utcnow())  # nothing left
    db_session.commit()
    ids = [str(first.id), str(note.id), str(second.id)]
    staff_client.post("/staff/invoices/validate", data={"ids": ids, "confirmed": "1"})
    db_session.expire_all()
    assert note.status is InvoiceStatus.SUBMITTED and note.number is None
    assert (first.number_sequence, second.number_sequence) == (
        third.number_sequence + 1,
        third.number_sequence + 2,
    )


def test_bulk_validation_with_nothing_ticked_says_so(staff_client):
    response = staff_client.post("/staff/invoices/validate", follow_redirects=True)
    assert "Cochez d&#39;abord les factures à valider." in response.text


def test_bulk_approval_lists_then_approves_the_waiting_receipts(
    app, staff_client, db_session, entrepreneur
):
    first = submitted_receipt(app, db_session, entrepreneur, supplier="Papeterie")
    second = submitted_receipt(app, db_session, entrepreneur, supplier="Librairie")
    with app.app_context():
        draft = make_receipt(db_session, entrepreneur, photo=False, supplier="Brouillon")
    page = staff_client.get("/receipts/queue").text
    assert f'name="ids" value="{first.id}" form="bulk-approve"' in page
    ids = [str(first.id), str(second.id), str(draft.id)]
    page = unescape(staff_client.post("/receipts/approve", data={"ids": ids}).text)
    assert "Approuver ces dépenses\u202f?" in page
    assert "Ne sera pas approuvée\xa0: Cette dépense n'attend pas de décision." in page
    assert '<button class="button primary">Approuver 2 dépenses</button>' in page
    db_session.expire_all()
    assert first.status is second.status is ReceiptStatus.SUBMITTED
    staff_client.post("/receipts/approve", data={"ids": ids, "confirmed": "1"})
    db_session.expire_all()
    assert first.status is second.status is ReceiptStatus.APPROVED
    assert draft.status is ReceiptStatus.DRAFT


def test_entrepreneurs_cannot_validate_or_approve_in_bulk(
    logged_in,
    db_session,
    make_invoice,  # noqa: F811
):
    (invoice,) = submitted(db_session, make_invoice)
    data = {"ids": [str(invoice.id)], "confirmed": "1"}
    assert logged_in.post("/staff/invoices/validate", data=data).status_code == 403
    assert logged_in.post("/receipts/approve", data=data).status_code == 403
    db_session.expire_all()
    assert invoice.status is InvoiceStatus.SUBMITTED
    assert db_session.scalar(select(Receipt.id)) is None
