"""The entrepreneur's invoices through the web: drafts, live totals, workflow, bad input."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.dates import paris_today
from portal.members.models import Role
from portal.sales.customers import CustomerInput, create_customer
from portal.sales.models import Customer, CustomerKind, Invoice, InvoiceStatus
from tests.helpers import draft_credit_note, login, submit_then_validate


def form(customer, **overrides):
    data = {
        "form_token": "token-1",
        "customer_id": str(customer.id),
        "issue_date": "2026-11-02",
        "due_date": "",
        "operation_type": "services",
        "lines-0-description": "Traduction",
        "lines-0-quantity": "2",
        "lines-0-unit": "HUR",
        "lines-0-unit_price": "1 234,50",
        "lines-0-vat_rate": "20",
        "action": "save",
    }
    data.update(overrides)
    return data


def count(db_session):
    return db_session.scalar(select(func.count(Invoice.id)))


def test_new_invoice_form_offers_my_customers(logged_in, customer):
    page = logged_in.get("/invoices/new")
    assert page.status_code == 200
    assert "Client SAS" in page.text


def test_draft_is_saved_with_server_side_totals(logged_in, customer, db_session):
    response = logged_in.post("/invoices/new", data=form(customer))
    assert response.status_code == 303
    invoice = db_session.scalar(select(Invoice))
    assert invoice.status is InvoiceStatus.DRAFT and invoice.number is None
    assert invoice.total_excl_vat_cents == 246_900
    assert invoice.vat_cents == 49_380
    assert invoice.due_date == date(2026, 12, 2)  # 30 days by default


def test_double_submit_of_the_same_form_makes_one_invoice(logged_in, customer, db_session):
    first = logged_in.post("/invoices/new", data=form(customer))
    second = logged_in.post("/invoices/new", data=form(customer))
    assert first.location == second.location
    assert count(db_session) == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"lines-0-quantity": "-2"}, "ne peuvent pas être négatifs"),
        ({"lines-0-unit_price": "-5"}, "ne peuvent pas être négatifs"),
        ({"lines-0-vat_rate": "19.6"}, "taux de TVA"),
        ({"lines-0-vat_rate": "sNaN"}, "taux de TVA"),
        ({"lines-0-vat_rate": "NaN"}, "taux de TVA"),
        ({"lines-0-unit_price": "10 000 001"}, "trop élevé"),
        ({"due_date": "2026-10-01"}, "avant la date d"),
        ({"due_date": "2027-03-01"}, "60 jours"),
        ({"lines-0-quantity": "deux"}, "Saisissez un nombre"),
        ({"issue_date": "hier"}, "date"),
    ],
)
def test_bad_input_is_refused_with_a_french_message(
    logged_in, customer, db_session, overrides, message
):
    response = logged_in.post("/invoices/new", data=form(customer, **overrides))
    assert response.status_code == 200
    assert message in response.text
    assert count(db_session) == 0


def test_an_invoice_without_a_customer_is_refused_with_a_message_its_lines_kept(
    logged_in, customer, db_session
):
    response = logged_in.post("/invoices/new", data=form(customer, customer_id="0"))
    assert response.status_code == 200
    assert '<p class="error" id="customer_id-error">Choisissez un client</p>' in response.text
    assert 'value="Traduction"' in response.text
    assert count(db_session) == 0


def test_a_line_number_in_superscript_digits_is_ignored_not_a_500(logged_in, customer, db_session):
    data = form(customer, **{"lines-²-description": "x", "lines-¹-quantity": "3"})
    response = logged_in.post("/invoices/new", data=data)
    assert response.status_code == 303
    assert db_session.scalar(select(Invoice)).total_excl_vat_cents == 246_900


def test_more_than_200_lines_are_refused(logged_in, customer, db_session):
    data = form(customer)
    for n in range(1, 205):
        data.update(
            {
                f"lines-{n}-description": "x",
                f"lines-{n}-quantity": "1",
                f"lines-{n}-unit": "C62",
                f"lines-{n}-unit_price": "1",
                f"lines-{n}-vat_rate": "20",
            }
        )
    response = logged_in.post("/invoices/new", data=data)
    assert response.status_code == 200
    assert "200 lignes" in response.text
    assert count(db_session) == 0


def test_another_members_customer_is_a_404(client, make_member, customer, db_session):
    other = make_member(email="other@example.org")
    login(client, other.email)
    assert client.post("/invoices/new", data=form(customer)).status_code == 404
    assert client.get(f"/customers/{customer.id}/edit").status_code == 404
    assert count(db_session) == 0


# Numbers a price or quantity field may receive pasted: too large (or small) for any
# invoice, and from 27 digits on, too long to even round to the cent.
NUMBERS_NO_INVOICE_HOLDS = {
    "1e999": "Ce montant est trop élevé (10 M€ au plus).",
    "9" * 40: "Ce montant est trop élevé (10 M€ au plus).",
    "1e27": "Ce montant est trop élevé (10 M€ au plus).",
    "-1e999": "Les quantités et les prix ne peuvent pas être négatifs",
}


@pytest.mark.parametrize("field", ["lines-0-quantity", "lines-0-unit_price"])
@pytest.mark.parametrize("number", NUMBERS_NO_INVOICE_HOLDS)
def test_a_number_no_invoice_holds_is_refused_with_a_message(
    logged_in, customer, db_session, field, number
):
    totals = logged_in.post(
        "/invoices/totals", data=form(customer, **{field: number}), headers={"HX-Request": "true"}
    )
    assert totals.status_code == 200
    assert "0,00" in totals.text  # the line counts as nothing until it is corrected
    new = logged_in.post("/invoices/new", data=form(customer, **{field: number}))
    assert new.status_code == 200
    assert NUMBERS_NO_INVOICE_HOLDS[number] in new.text
    assert count(db_session) == 0

    logged_in.post("/invoices/new", data=form(customer))
    draft = db_session.scalar(select(Invoice))
    edit = logged_in.post(
        f"/invoices/{draft.id}/edit", data=form(customer, **{field: number, "form_token": "e"})
    )
    assert edit.status_code == 200
    assert NUMBERS_NO_INVOICE_HOLDS[number] in edit.text
    db_session.refresh(draft)
    assert draft.total_excl_vat_cents == 246_900  # unchanged


def test_another_members_invoice_is_a_404(client, make_member, make_invoice):
    invoice = make_invoice()
    other = make_member(email="other@example.org")
    login(client, other.email)
    for url in (
        f"/invoices/{invoice.id}",
        f"/invoices/{invoice.id}/pdf",
        f"/invoices/{invoice.id}/edit",
    ):
        assert client.get(url).status_code == 404
    assert client.post(f"/invoices/{invoice.id}/submit").status_code == 404


def test_live_totals_fragment_follows_the_typed_lines(logged_in, customer):
    response = logged_in.post(
        "/invoices/totals",
        data=form(customer, **{"lines-0-unit_price": "100"}),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert 'id="totals"' in response.text and "<html" not in response.text
    assert "240,00" in response.text  # 2 × 100 + 20 % VAT


def test_add_line_returns_the_form_fragment_to_htmx_and_the_page_without(
    logged_in, customer, db_session
):
    data = form(customer, action="add_line")
    fragment = logged_in.post("/invoices/new", data=data, headers={"HX-Request": "true"})
    assert 'name="lines-1-description"' in fragment.text and "<html" not in fragment.text
    page = logged_in.post("/invoices/new", data=data)
    assert page.status_code == 200 and "<html" in page.text
    assert count(db_session) == 0  # adding a line saves nothing


def test_remove_line(logged_in, customer):
    data = form(
        customer,
        action="remove_line:0",
        **{
            "lines-1-description": "B",
            "lines-1-quantity": "1",
            "lines-1-unit_price": "1",
            "lines-1-vat_rate": "20",
        },
    )
    response = logged_in.post("/invoices/new", data=data, headers={"HX-Request": "true"})
    assert 'value="B"' in response.text and 'value="Traduction"' not in response.text


def test_submit_then_staff_validate_numbers_the_invoice(
    client, entrepreneur, staff, make_invoice, coop, db_session
):
    invoice = make_invoice()
    login(client, entrepreneur.email)
    assert client.post(f"/invoices/{invoice.id}/submit").status_code == 303
    client.post("/logout")
    login(client, staff.email)
    queue = client.get("/staff/invoices/queue")
    assert "Client SAS" in queue.text
    assert (
        client.post(f"/invoices/{invoice.id}/validate", data={"confirmed": "1"}).status_code == 303
    )
    db_session.refresh(invoice)
    assert invoice.status is InvoiceStatus.VALIDATED
    assert invoice.number == f"F{paris_today().year}-00001"
    assert invoice.issue_date == paris_today()
    assert invoice.due_date == paris_today() + timedelta(days=30)
    assert invoice.seller["siren"] == "732829320"


def test_entrepreneur_cannot_validate_unless_trusted(
    client, entrepreneur, staff, make_invoice, coop, db_session
):
    invoice = make_invoice()
    login(client, entrepreneur.email)
    client.post(f"/invoices/{invoice.id}/validate", data={"confirmed": "1"})
    db_session.refresh(invoice)
    assert invoice.number is None
    client.post("/logout")
    login(client, staff.email)
    client.post(f"/staff/entrepreneurs/{entrepreneur.id}/trusted", data={"trusted": "1"})
    client.post("/logout")
    login(client, entrepreneur.email)
    client.post(f"/invoices/{invoice.id}/validate", data={"confirmed": "1"})
    db_session.refresh(invoice)
    assert invoice.status is InvoiceStatus.VALIDATED and invoice.number


def test_staff_return_needs_a_comment_and_shows_it(
    client, entrepreneur, staff, make_invoice, db_session
):
    invoice = make_invoice()
    login(client, entrepreneur.email)
    client.post(f"/invoices/{invoice.id}/submit")
    client.post("/logout")
    login(client, staff.email)
    client.post(f"/staff/invoices/{invoice.id}/return", data={"comment": ""})
    db_session.refresh(invoice)
    assert invoice.status is InvoiceStatus.SUBMITTED
    client.post(f"/staff/invoices/{invoice.id}/return", data={"comment": "SIREN du client ?"})
    db_session.refresh(invoice)
    assert invoice.status is InvoiceStatus.RETURNED
    client.post("/logout")
    login(client, entrepreneur.email)
    assert "SIREN du client ?" in client.get(f"/invoices/{invoice.id}").text


def test_validated_invoice_never_changes_and_is_never_deleted(
    logged_in, issued_invoice, customer, db_session
):
    total = issued_invoice.total_incl_vat_cents
    logged_in.post(f"/invoices/{issued_invoice.id}/edit", data=form(customer))
    logged_in.post(f"/invoices/{issued_invoice.id}/delete", data={"confirmed": "1"})
    db_session.refresh(issued_invoice)
    assert issued_invoice.total_incl_vat_cents == total
    assert db_session.get(Invoice, issued_invoice.id) is not None


def test_queue_is_for_staff_only(logged_in):
    assert logged_in.get("/staff/invoices/queue").status_code == 403


def test_bulk_validation_numbers_in_order(client, staff, make_invoice, coop, db_session):
    from portal.db import utcnow
    from portal.sales.services import submit_invoice

    invoices = [make_invoice() for _ in range(3)]
    for invoice in invoices:
        submit_invoice(db_session, invoice, utcnow())
    db_session.commit()
    login(client, staff.email)
    client.post(
        "/staff/invoices/validate", data={"confirmed": "1", "ids": [str(i.id) for i in invoices]}
    )
    for invoice in invoices:
        db_session.refresh(invoice)
    numbers = [invoice.number_sequence for invoice in invoices]
    assert numbers == [1, 2, 3]


def test_overdue_invoices_are_flagged_on_my_list(logged_in, issued_invoice, db_session):
    issued_invoice.due_date = paris_today() - timedelta(days=1)
    issued_invoice.issue_date = paris_today() - timedelta(days=31)
    db_session.commit()
    page = logged_in.get("/invoices?status=overdue")
    assert issued_invoice.number in page.text and "En retard" in page.text


def test_list_filters_by_status_and_paginates(logged_in, make_invoice):
    for _ in range(30):
        make_invoice()
    first = logged_in.get("/invoices?status=draft")
    assert "30 factures" in first.text and "Page 1 sur 2" in first.text
    assert logged_in.get("/invoices?status=paid").text.count("invoice-card") == 0
    fragment = logged_in.get("/invoices?page=2", headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and fragment.text.count("invoice-card") == 5


def test_bad_filters_are_ignored_not_a_500(logged_in):
    assert logged_in.get("/invoices?status=zzz&from=hier&page=abc").status_code == 200


def test_csv_export_lists_my_invoices_only(
    client, entrepreneur, make_member, make_invoice, db_session
):
    make_invoice()
    other = make_member(email="other@example.org", activities=("Jardinage",))
    theirs = create_customer(
        db_session, other, CustomerInput(name="=Leur client", kind=CustomerKind.INDIVIDUAL)
    )
    make_invoice(member=other, for_customer=theirs)
    login(client, entrepreneur.email)
    text = client.get("/invoices.csv").get_data(as_text=True)
    rows = text.strip().splitlines()
    assert rows[0].lstrip("\ufeff").startswith("Numéro;")
    assert len(rows) == 2 and "Client SAS" in rows[1] and ";1200,00;" in rows[1]
    assert "Leur client" not in text


def test_customer_created_from_the_invoice_form_is_preselected(logged_in):
    response = logged_in.post(
        "/customers/new?for=invoice",
        data={"kind": "company", "name": "Nouveau client", "siren": "542 107 651", "country": "FR"},
    )
    assert response.status_code == 303 and "/invoices/new?customer_id=" in response.location
    page = logged_in.get(response.location)
    assert "selected value" in page.text or "Nouveau client" in page.text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("siren", "123456789", "SIREN"),
        ("siret", "12345678901234", "SIRET"),
        ("vat_number", "FR00123456789", "TVA"),
    ],
)
def test_customer_identifiers_are_checked(logged_in, db_session, field, value, message):
    response = logged_in.post("/customers/new", data={"kind": "company", "name": "X", field: value})
    assert response.status_code == 200 and message in response.text


def test_customer_search(logged_in, customer):
    response = logged_in.get("/customers?q=client", headers={"HX-Request": "true"})
    assert "Client SAS" in response.text and "<html" not in response.text
    assert "Client SAS" not in logged_in.get("/customers?q=zzz").text


def test_staff_records_payments_and_status_follows(client, staff, issued_invoice, db_session):
    login(client, staff.email)
    url = f"/staff/invoices/{issued_invoice.id}/payments"
    client.post(
        url,
        data={"confirmed": "1", "amount": "100", "received_on": "2026-11-27", "reference": "VIR 1"},
    )
    db_session.refresh(issued_invoice)
    assert issued_invoice.status is InvoiceStatus.PARTLY_PAID
    too_much = client.post(
        url,
        data={"confirmed": "1", "amount": "100000", "received_on": "2026-11-27"},
        follow_redirects=True,
    )
    assert "plus que" in too_much.text
    rest = Decimal(issued_invoice.outstanding_cents) / 100
    client.post(url, data={"confirmed": "1", "amount": str(rest), "received_on": "2026-11-28"})
    db_session.refresh(issued_invoice)
    assert issued_invoice.status is InvoiceStatus.PAID and issued_invoice.outstanding_cents == 0


def test_partial_credit_note_references_the_invoice_and_is_numbered_in_its_series(
    client, entrepreneur, staff, issued_invoice, db_session
):
    login(client, entrepreneur.email)
    response = client.post(
        f"/invoices/{issued_invoice.id}/credit-note", data={"confirmed": "1", "form_token": "c1"}
    )
    credit = db_session.scalar(
        select(Invoice).where(Invoice.credited_invoice_id == issued_invoice.id)
    )
    assert response.location.endswith(f"/invoices/{credit.id}/edit")
    client.post(
        f"/invoices/{credit.id}/edit",
        data=form(
            issued_invoice.customer,
            **{"lines-0-unit_price": "100", "lines-0-quantity": "1", "lines-0-vat_rate": "20"},
        ),
    )
    client.post(f"/invoices/{credit.id}/submit")
    client.post("/logout")
    login(client, staff.email)
    client.post(f"/invoices/{credit.id}/validate", data={"confirmed": "1"})
    db_session.refresh(credit)
    db_session.refresh(issued_invoice)
    assert credit.number == f"A{paris_today().year}-00001"
    assert credit.total_incl_vat_cents == 12_000
    assert issued_invoice.credited_cents == 12_000
    assert issued_invoice.outstanding_cents == issued_invoice.total_incl_vat_cents - 12_000


def test_credit_note_cannot_exceed_the_invoice(
    client, entrepreneur, staff, issued_invoice, db_session
):
    login(client, entrepreneur.email)
    credit = draft_credit_note(client, db_session, issued_invoice)
    client.post(
        f"/invoices/{credit.id}/edit",
        data=form(
            issued_invoice.customer, **{"lines-0-unit_price": "99999", "lines-0-quantity": "1"}
        ),
    )
    page = submit_then_validate(client, credit, staff)
    assert "ne peut pas dépasser" in page.text
    db_session.refresh(credit)
    assert credit.number is None


def test_staff_member_is_never_made_trusted(client, staff, make_member, db_session):
    other = make_member(email="s2@example.org", role=Role.STAFF)
    login(client, staff.email)
    client.post(f"/staff/entrepreneurs/{other.id}/trusted", data={"trusted": "1"})
    db_session.refresh(other)
    assert not other.trusted_invoicing


def test_invoice_list_runs_a_constant_number_of_queries(app, logged_in, make_invoice):
    from tests.helpers import count_queries

    make_invoice()
    with count_queries(app.extensions["database"].engine) as few:
        logged_in.get("/invoices")
    for _ in range(24):
        make_invoice()
    with count_queries(app.extensions["database"].engine) as many:
        logged_in.get("/invoices")
    assert few() == many()


def test_quick_customer_creation_keeps_what_was_typed_and_chooses_the_customer(
    logged_in, db_session
):
    data = form(
        type("Nobody", (), {"id": 0}),
        action="create_customer",
        **{"new_customer-name": "Boulangerie Durand", "new_customer-siren": "542 107 651"},
    )
    response = logged_in.post("/invoices/new", data=data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text  # the form fragment, for htmx
    customer = db_session.scalar(select(Customer).where(Customer.name == "Boulangerie Durand"))
    assert customer.siren == "542107651"
    assert f'<option selected value="{customer.id}">Boulangerie Durand</option>' in response.text
    assert 'value="Traduction"' in response.text and 'value="1 234,50"' in response.text
    assert count(db_session) == 0  # the invoice itself is not saved yet
    logged_in.post("/invoices/new", data=data)  # a second tap makes no twin
    assert db_session.scalar(select(func.count(Customer.id))) == 1


def test_quick_customer_with_a_bad_siren_says_why_and_creates_nothing(logged_in, db_session):
    data = form(
        type("Nobody", (), {"id": 0}),
        action="create_customer",
        **{"new_customer-name": "Boulangerie", "new_customer-siren": "123456789"},
    )
    response = logged_in.post("/invoices/new", data=data)
    assert "Un SIREN compte 9 chiffres" in response.text
    assert '<details class="quick-customer" open>' in response.text
    assert db_session.scalar(select(func.count(Customer.id))) == 0


def test_customer_search_in_the_invoice_form_narrows_the_list(logged_in, customer, db_session):
    create_customer(db_session, customer.member, CustomerInput(name="Atelier Bleu", siren=""))
    db_session.commit()
    data = form(customer, action="find_customer", customer_query="atelier", customer_id="0")
    response = logged_in.post("/invoices/new", data=data, headers={"HX-Request": "true"})
    assert "Atelier Bleu" in response.text and "Client SAS" not in response.text
    assert '<option selected value="' in response.text  # the only match is chosen


def test_full_credit_note_cancels_what_is_due(
    client, entrepreneur, staff, issued_invoice, db_session
):
    login(client, entrepreneur.email)
    credit = draft_credit_note(client, db_session, issued_invoice)
    submit_then_validate(client, credit, staff)
    db_session.expire_all()
    assert credit.total_incl_vat_cents == issued_invoice.total_incl_vat_cents
    assert issued_invoice.outstanding_cents == 0
    assert issued_invoice.status is InvoiceStatus.PAID  # settled by the credit
    assert db_session.get(Invoice, issued_invoice.id).number  # still there, never deleted


def _two_entrepreneurs_invoices(db_session, make_member, make_invoice):
    from portal.db import utcnow
    from portal.sales.services import submit_invoice

    other = make_member(email="leo@example.org", full_name="Léo Petit", activities=("Jardin",))
    theirs = create_customer(
        db_session, other, CustomerInput(name="Mairie de Vaulx", kind=CustomerKind.INDIVIDUAL)
    )
    mine = [make_invoice() for _ in range(2)]
    others = [make_invoice(member=other, for_customer=theirs) for _ in range(3)]
    for invoice in [mine[0], *others]:
        submit_invoice(db_session, invoice, utcnow())
    db_session.commit()
    return other, mine, others


def test_staff_list_filters_by_entrepreneur_and_status_and_exports_it(
    client, staff, make_member, make_invoice, db_session
):
    other, _mine, _others = _two_entrepreneurs_invoices(db_session, make_member, make_invoice)
    login(client, staff.email)
    everyone = client.get("/staff/invoices")
    assert "5 factures" in everyone.text
    theirs = client.get(f"/staff/invoices?member={other.id}&status=submitted")
    assert "3 factures" in theirs.text and "Client SAS" not in theirs.text
    drafts = client.get("/staff/invoices?status=draft")
    assert "1 facture" in drafts.text and "Mairie de Vaulx" not in drafts.text
    rows = client.get(f"/staff/invoices.csv?member={other.id}").get_data(as_text=True)
    rows = rows.strip().splitlines()[1:]
    assert len(rows) == 3 and all("Léo Petit" in row for row in rows)


def test_the_team_typing_the_invoices_address_gets_every_members_list(client, staff):
    """The support team issues no invoice of its own: /invoices is never an empty "My
    invoices" for them, but the list of everyone's, filters kept."""
    login(client, staff.email)
    response = client.get("/invoices?status=submitted")
    assert response.status_code == 303
    assert response.location == "/staff/invoices?status=submitted"


def test_queue_filters_by_entrepreneur_and_customer(
    client, staff, entrepreneur, make_member, make_invoice, db_session
):
    other, _mine, _others = _two_entrepreneurs_invoices(db_session, make_member, make_invoice)
    login(client, staff.email)
    assert client.get("/staff/invoices/queue").text.count('class="card queue-item"') == 4
    theirs = client.get(f"/staff/invoices/queue?member={other.id}")
    assert theirs.text.count('class="card queue-item"') == 3
    by_customer = client.get("/staff/invoices/queue?q=client sas")
    assert by_customer.text.count('class="card queue-item"') == 1
    fragment = client.get("/staff/invoices/queue?q=mairie", headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and fragment.text.count('class="card queue-item"') == 3


def test_queue_filters_refresh_the_queue_and_the_staff_list_refreshes_the_list(client, staff):
    login(client, staff.email)
    queue = client.get("/staff/invoices/queue").text
    assert 'hx-target="#queue-list"' in queue and 'id="queue-list"' in queue
    assert 'name="status"' not in queue  # everything in the queue awaits validation
    every = client.get("/staff/invoices").text
    assert 'hx-target="#invoice-list"' in every and 'name="status"' in every


def test_each_return_comment_box_is_labelled_on_the_queue_and_the_invoice(
    client, staff, entrepreneur, make_member, make_invoice, db_session
):
    """Screen readers name each "what to correct" box: the queue shows one per invoice, so
    each has its own id, and its label points at it."""
    _two_entrepreneurs_invoices(db_session, make_member, make_invoice)
    login(client, staff.email)
    queue = client.get("/staff/invoices/queue").text
    boxes = re.findall(r'<textarea id="(comment-\d+)"', queue)
    assert len(boxes) == 4
    for box in boxes:
        assert f'<label for="{box}">' in queue
    invoice_id = boxes[0].removeprefix("comment-")
    page = client.get(f"/invoices/{invoice_id}").text
    assert f'<label for="comment-{invoice_id}">' in page
    assert f'<textarea id="comment-{invoice_id}"' in page


def test_an_invoice_without_a_number_shows_its_unit_and_status_not_codes(
    logged_in, customer, db_session
):
    """ "2 h", not "2 HUR"; and an invoice not numbered yet is not called a draft beside its
    status ("Facture (brouillon)" beside "À valider", "Brouillon [Brouillon]")."""
    logged_in.post("/invoices/new", data=form(customer, **{"lines-1-description": "Forfait",
        "lines-1-quantity": "1", "lines-1-unit": "LS", "lines-1-unit_price": "100",
        "lines-1-vat_rate": "20"}))  # fmt: skip
    invoice = db_session.scalar(select(Invoice))
    logged_in.post(f"/invoices/{invoice.id}/submit")
    page = logged_in.get(f"/invoices/{invoice.id}").text
    assert "2&nbsp;h<" in page and "1&nbsp;forfait<" in page
    assert "HUR" not in page.replace('value="HUR"', "") and " LS<" not in page
    assert re.search(r"<h1>Facture\s*</h1>", page) and "À valider" in page
    listing = logged_in.get("/invoices").text
    assert "<strong>Sans numéro</strong>" in listing and "<strong>Brouillon</strong>" not in listing
