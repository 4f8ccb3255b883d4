"""Quotes through the web: drafts with the invoice's line editor, validation as invoices
(the support team, or a trusted entrepreneur), numbering, the PDF, sending, duplicates."""

import io
from datetime import date, timedelta

from pypdf import PdfReader
from sqlalchemy import func, select

from portal.coop.services import update_coop_settings
from portal.db import utcnow
from portal.notifications.models import Notification, NotificationKind
from portal.quotes.models import Quote, QuoteStatus
from portal.quotes.services import mark_quote_sent
from portal.sales.customers import CustomerInput, create_customer
from tests.helpers import count_queries, login


def form(customer, **overrides):
    data = {
        "form_token": "token-1",
        "customer_id": str(customer.id),
        "issue_date": "2026-11-02",
        "valid_until": "",
        "operation_type": "services",
        "payment_terms": "30 % à la commande",
        "lines-0-description": "Traduction",
        "lines-0-quantity": "2",
        "lines-0-unit": "HUR",
        "lines-0-unit_price": "1 234,50",
        "lines-0-vat_rate": "20",
        "action": "save",
    }
    data.update(overrides)
    return data


def count(db_session) -> int:
    db_session.expire_all()
    return db_session.scalar(select(func.count(Quote.id)))


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


# --- Drafts --------------------------------------------------------------------------------


def test_new_quote_form_is_the_invoice_line_editor(logged_in, customer):
    page = logged_in.get("/quotes/new")
    assert page.status_code == 200
    assert "Client SAS" in page.text
    assert 'id="quote-form"' in page.text
    assert 'name="lines-0-unit_price"' in page.text and 'name="valid_until"' in page.text
    assert 'hx-post="/invoices/totals"' in page.text  # the same live totals


def test_draft_is_saved_with_server_side_totals_and_a_default_validity(
    logged_in, customer, db_session
):
    response = logged_in.post("/quotes/new", data=form(customer))
    assert response.status_code == 303
    quote = db_session.scalar(select(Quote))
    assert quote.status is QuoteStatus.DRAFT and quote.number is None
    assert quote.total_excl_vat_cents == 246_900 and quote.vat_cents == 49_380
    assert quote.valid_until == date(2026, 12, 2)  # 30 days by default
    assert quote.payment_terms == "30 % à la commande"


def test_double_submit_makes_one_quote(logged_in, customer, db_session):
    first = logged_in.post("/quotes/new", data=form(customer))
    second = logged_in.post("/quotes/new", data=form(customer))
    assert first.location == second.location
    assert count(db_session) == 1


def test_adding_a_line_without_javascript_keeps_the_draft_unsaved(logged_in, customer, db_session):
    response = logged_in.post("/quotes/new", data=form(customer, action="add_line"))
    assert response.status_code == 200
    assert 'name="lines-1-description"' in response.text
    assert count(db_session) == 0


def test_bad_input_is_refused_with_a_french_message_and_nothing_saved(
    logged_in, customer, db_session
):
    cases = [
        ({"valid_until": "2026-11-01"}, "Le devis ne peut pas finir avant sa date d&#39;émission."),
        ({"valid_until": "2028-01-01"}, "Un devis est valable un an au plus."),
        ({"lines-0-unit_price": "-5"}, "ne peuvent pas être négatifs"),
        ({"lines-0-description": "", "lines-0-unit_price": ""}, "Ajoutez au moins une ligne."),
        ({"lines-0-vat_rate": "19"}, "taux de TVA"),
        ({"lines-0-quantity": "deux"}, "Saisissez un nombre"),
        ({"issue_date": "hier"}, "date"),
        ({"customer_id": "0"}, '<p class="error" id="customer_id-error">Choisissez un client'),
    ]
    for overrides, message in cases:
        response = logged_in.post("/quotes/new", data=form(customer, **overrides))
        assert response.status_code == 200, overrides
        assert message in response.text, overrides
    assert count(db_session) == 0


def test_another_members_customer_is_a_404(logged_in, make_member, db_session):
    other = make_member(email="other@example.org")
    theirs = create_customer(db_session, other, CustomerInput(name="Leur client"))
    db_session.commit()
    assert logged_in.post("/quotes/new", data=form(theirs)).status_code == 404
    assert count(db_session) == 0


def test_another_members_quote_is_a_404(client, make_member, make_quote):
    quote = make_quote()
    other = make_member(email="other@example.org")
    login(client, other.email)
    for url in (f"/quotes/{quote.id}", f"/quotes/{quote.id}/pdf", f"/quotes/{quote.id}/edit"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/quotes/{quote.id}/submit").status_code == 404


def test_edit_changes_a_draft_only(logged_in, customer, make_quote, issue_quote, db_session):
    quote = make_quote()
    response = logged_in.post(
        f"/quotes/{quote.id}/edit", data=form(customer, **{"lines-0-quantity": "1"})
    )
    assert response.status_code == 303
    db_session.refresh(quote)
    assert quote.total_excl_vat_cents == 123_450
    issue_quote(quote)
    response = logged_in.post(f"/quotes/{quote.id}/edit", data=form(customer))
    assert response.status_code == 303
    db_session.refresh(quote)
    assert quote.total_excl_vat_cents == 123_450  # validated: frozen


def test_list_shows_my_quotes_with_their_status(logged_in, make_quote, issue_quote):
    issue_quote(make_quote())
    make_quote(("1", "10", "20"))
    page = logged_in.get("/quotes").text
    assert "D2026-00001" in page and "Validé<" in page and "Brouillon" in page
    assert logged_in.get("/quotes?status=draft").text.count('class="card invoice-card') == 1


def test_quote_list_runs_a_constant_number_of_queries(app, logged_in, make_quote):
    make_quote()
    with count_queries(app.extensions["database"].engine) as few:
        logged_in.get("/quotes")
    for _ in range(24):
        make_quote()
    with count_queries(app.extensions["database"].engine) as many:
        logged_in.get("/quotes")
    assert few() == many()


# --- Validation ------------------------------------------------------------------------------


def test_submit_then_staff_validate_numbers_the_quote_in_its_own_series(
    client, entrepreneur, staff, make_quote, coop, db_session
):
    quote = make_quote()
    login(client, entrepreneur.email)
    client.post(f"/quotes/{quote.id}/submit")
    db_session.refresh(quote)
    assert quote.status is QuoteStatus.SUBMITTED
    staff_told = db_session.scalar(
        select(Notification).where(Notification.kind == NotificationKind.QUOTE_SUBMITTED)
    )
    assert staff_told is not None and staff_told.member_id == staff.id
    client.post("/logout")
    login(client, staff.email)
    queue = client.get("/staff/quotes/queue").text
    assert "Camille Durand" in queue and "Client SAS" in queue
    client.post(f"/quotes/{quote.id}/validate", data={"confirmed": "1"})
    db_session.refresh(quote)
    assert quote.status is QuoteStatus.VALIDATED
    assert quote.number == f"D{quote.issue_date.year}-00001"
    assert quote.seller["name"] == "Coopérative Test" and quote.buyer["siren"] == "542107651"
    assert quote.access_token and len(quote.access_token) >= 40
    assert db_session.scalar(
        select(Notification).where(
            Notification.kind == NotificationKind.QUOTE_VALIDATED,
            Notification.member_id == entrepreneur.id,
        )
    )


def test_numbers_follow_the_coops_pattern_and_leave_invoices_alone(
    make_quote, issue_quote, db_session, coop
):
    update_coop_settings(db_session, quote_number_pattern="DEV-{year}-{number:03}")
    db_session.commit()
    first, second = issue_quote(make_quote()), issue_quote(make_quote())
    assert (first.number, second.number) == ("DEV-2026-001", "DEV-2026-002")
    assert (first.number_sequence, second.number_sequence) == (1, 2)


def test_validation_keeps_the_validity_period_from_the_validation_day(make_quote, issue_quote):
    quote = issue_quote(make_quote(valid_until=date(2026, 11, 17)), today=date(2026, 11, 26))
    assert quote.issue_date == date(2026, 11, 26)
    assert quote.valid_until == date(2026, 12, 11)  # 15 days, as drafted


def test_entrepreneur_validates_only_when_trusted(
    client, entrepreneur, make_quote, coop, db_session
):
    quote = make_quote()
    login(client, entrepreneur.email)
    client.post(f"/quotes/{quote.id}/validate", data={"confirmed": "1"})
    db_session.refresh(quote)
    assert quote.number is None
    entrepreneur.trusted_invoicing = True
    db_session.commit()
    client.post(f"/quotes/{quote.id}/validate", data={"confirmed": "1"})
    db_session.refresh(quote)
    assert quote.status is QuoteStatus.VALIDATED and quote.number
    # Their own validation tells them nothing: they know.
    assert not db_session.scalar(
        select(Notification).where(Notification.kind == NotificationKind.QUOTE_VALIDATED)
    )


def test_validation_needs_the_coops_identity_and_a_siren(
    client, staff, make_quote, db_session, customer
):
    quote = make_quote()
    login(client, staff.email)
    quote.status = QuoteStatus.SUBMITTED
    db_session.commit()
    response = client.post(
        f"/quotes/{quote.id}/validate", data={"confirmed": "1"}, follow_redirects=True
    )
    assert "Le nom, le SIREN et le numéro de TVA de la coopérative doivent" in response.text
    db_session.refresh(quote)
    assert quote.number is None


def test_staff_return_needs_a_comment_and_the_entrepreneur_sees_it(
    client, entrepreneur, staff, make_quote, db_session
):
    quote = make_quote()
    quote.status = QuoteStatus.SUBMITTED
    db_session.commit()
    login(client, staff.email)
    client.post(f"/staff/quotes/{quote.id}/return", data={"comment": ""})
    db_session.refresh(quote)
    assert quote.status is QuoteStatus.SUBMITTED
    client.post(f"/staff/quotes/{quote.id}/return", data={"comment": "Précisez les délais"})
    db_session.refresh(quote)
    assert quote.status is QuoteStatus.RETURNED
    client.post("/logout")
    login(client, entrepreneur.email)
    assert "Précisez les délais" in client.get(f"/quotes/{quote.id}").text


def test_delete_only_a_draft(logged_in, make_quote, issue_quote, db_session):
    draft, issued = make_quote(), issue_quote(make_quote())
    logged_in.post(f"/quotes/{issued.id}/delete", data={"confirmed": "1"})
    logged_in.post(f"/quotes/{draft.id}/delete", data={"confirmed": "1"})
    assert db_session.scalars(select(Quote.id)).all() == [issued.id]


# --- Sending, PDF, duplicates ------------------------------------------------------------------


def test_mark_quote_sent_only_once_validated(db_session, make_quote, issue_quote):
    quote = make_quote()
    assert quote.refusal_to_send() is not None
    issue_quote(quote)
    mark_quote_sent(db_session, quote, utcnow())
    assert quote.status is QuoteStatus.SENT and quote.sent_at is not None
    assert quote.refusal_to_send() is None  # sent again, by mail, still allowed


def test_pdf_carries_the_quotes_mentions(logged_in, issued_quote):
    response = logged_in.get(f"/quotes/{issued_quote.id}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert f"{issued_quote.number}.pdf" in response.headers["Content-Disposition"]
    text = pdf_text(response.data)
    for mention in (
        "Devis",
        issued_quote.number,
        "Valable jusqu'au",
        issued_quote.valid_until.strftime("%d/%m/%Y"),
        "Conditions de paiement : 30 % à la commande",
        "Bon pour accord",
        "Coopérative Test",
        "SIREN 542107651",
        "TVA 5,5",
        "Camille Durand",
    ):
        assert mention in text, mention


def test_draft_pdf_is_marked_as_a_draft(logged_in, make_quote):
    text = pdf_text(logged_in.get(f"/quotes/{make_quote().id}/pdf").data)
    assert "BROUILLON" in text


def test_duplicate_makes_a_new_draft_of_any_quote(logged_in, issued_quote, db_session):
    response = logged_in.post(f"/quotes/{issued_quote.id}/duplicate")
    assert response.status_code == 303
    copy = db_session.scalar(select(Quote).where(Quote.id != issued_quote.id))
    assert copy.status is QuoteStatus.DRAFT and copy.number is None
    assert [line.description for line in copy.lines] == [
        line.description for line in issued_quote.lines
    ]
    assert copy.total_incl_vat_cents == issued_quote.total_incl_vat_cents
    assert copy.valid_until - copy.issue_date == issued_quote.valid_until - issued_quote.issue_date


def test_expired_is_computed_from_the_validity_date(issued_quote):
    assert not issued_quote.is_expired(issued_quote.valid_until)
    assert issued_quote.is_expired(issued_quote.valid_until + timedelta(days=1))
    assert str(issued_quote.status_label(issued_quote.valid_until + timedelta(days=1))) == "Expired"
