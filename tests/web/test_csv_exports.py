"""Every CSV export goes through one helper (portal/web/csv.py): text that a spreadsheet
would run as a formula is neutralised, the header is in the reader's language, and the file
is never kept by a cache."""

import csv
import io
import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from portal.db import utcnow
from portal.meetings import services as meetings
from portal.members.models import Role
from portal.sales.customers import CustomerInput, create_customer
from portal.sales.services import InvoiceInput, create_invoice
from portal.sales.totals import LineInput
from portal.transfers import services as transfers
from portal.transfers.services import TransferInput, TransferLineInput
from portal.web.csv import FORMULA_STARTS, csv_response, safe_cell
from portal.workshops import services as workshops
from tests.conftest import login
from tests.helpers import list_in_directory
from tests.web.test_expenses import TODAY, make_receipt
from tests.web.test_meetings import schedule
from tests.web.test_workshops import book

# What an attacker types where a spreadsheet will show it: a name, a customer, a supplier,
# a note, a comment.
HOSTILE = '=HYPERLINK("http://evil.example","x")'
HOSTILE_TEXTS = ("+33 6 12", "-2+3", "@SUM(A1)", "\tTAB", "\rCR", HOSTILE)
TRANSFERRED_ON = date(2026, 11, 20)

# Every export of the portal, by endpoint: who downloads it, its path, its first header
# cells in French.
EXPORTS = {
    "sales.export": ("entrepreneur", "/invoices.csv", ["Numéro", "Type", "Statut"]),
    "sales.staff_export": ("staff", "/staff/invoices.csv", ["Numéro", "Type", "Statut"]),
    "expenses.export": (
        "entrepreneur",
        f"/receipts/export.csv?year={TODAY.year}",
        ["Date", "Fournisseur ou objet", "Catégorie"],
    ),
    "workshops.export": (
        "staff",
        "/workshops/{workshop}/participants.csv",
        ["Nom", "Adresse e-mail", "Statut"],
    ),
    "meetings.export_answers": (
        "staff",
        "/meetings/{meeting}/answers.csv",
        ["Nom", "Adresse e-mail", "Réponse"],
    ),
    "transfers.export": (
        "staff",
        f"/staff/transfers.csv?year={TRANSFERRED_ON.year}",
        ["Numéro", "Validé le", "Sous-traitant"],
    ),
}


@pytest.fixture
def hostile_coop(db_session, make_member):
    """A member, a customer, a receipt, a workshop booking and a meeting answer, each
    carrying text that starts a formula."""
    member = make_member(email="evil@example.org", full_name=HOSTILE, activities=("Conseil",))
    staff = make_member(email="staff@example.org", full_name="Nadia Benali", role=Role.STAFF)
    customer = create_customer(db_session, member, CustomerInput(name="@SUM(1+1)*cmd"))
    line = LineInput(
        description="-1+1", quantity=Decimal(1), unit_price=Decimal(100), vat_rate=Decimal(20)
    )
    data = InvoiceInput(customer, date(2026, 11, 2), None, [line], member.activities[0].id)
    create_invoice(db_session, member, data)
    db_session.commit()
    make_receipt(db_session, member, supplier="=1+2", photo=False).note = "@note"
    for text in HOSTILE_TEXTS:
        make_receipt(db_session, member, supplier=text, photo=False)
    starts_at = utcnow().replace(microsecond=0) + timedelta(days=7)
    workshop = workshops.create_or_update_workshop(
        db_session,
        None,
        {
            "title": "Atelier",
            "starts_at": starts_at,
            "ends_at": starts_at + timedelta(hours=2),
            "seats": 5,
        },
    )
    db_session.commit()
    book(db_session, workshop, member)
    meeting = schedule(db_session)
    # An internal transfer from the member, validated.
    contractor = make_member(email="louis@example.org", full_name="Louis Petit")
    list_in_directory(db_session, contractor, "Graphisme")
    lines = [TransferLineInput("Traduction", Decimal(500))]
    transfer, _created = transfers.issue_transfer(
        db_session, member, TransferInput(contractor, lines), TRANSFERRED_ON
    )
    transfers.accept_transfer(db_session, transfer, contractor, utcnow())
    transfers.validate_transfer(db_session, transfer, staff, TRANSFERRED_ON, utcnow())
    meetings.answer_invitation(db_session, meeting, member, "maybe", "+1 -1", meeting.created_at)
    db_session.commit()
    return {"entrepreneur": member, "staff": staff, "workshop": workshop.id, "meeting": meeting.ref}


def rows_of(response) -> list[list[str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")  # the byte-order mark: spreadsheets read UTF-8
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


@pytest.mark.parametrize("export", EXPORTS)
def test_every_export_neutralises_formulas_and_is_never_cached(client, hostile_coop, export):
    who, path, french_header = EXPORTS[export]
    login(client, hostile_coop[who].email)
    response = client.get(path.format(**hostile_coop))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    rows = rows_of(response)
    assert rows[0][:3] == french_header
    assert len(rows) > 1
    text = response.get_data(as_text=True)
    assert "'=HYPERLINK" in text or export == "expenses.export"  # the member's name, quoted
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), (export, cell)


@pytest.mark.parametrize("export", EXPORTS)
def test_export_header_is_in_the_readers_language(client, db_session, hostile_coop, export):
    who, path, french_header = EXPORTS[export]
    hostile_coop[who].locale = "en"
    db_session.commit()
    login(client, hostile_coop[who].email)
    header = rows_of(client.get(path.format(**hostile_coop)))[0]
    assert header[:3] != french_header
    assert header[0] in ("Number", "Date", "Name")


def test_receipts_export_quotes_supplier_and_note_but_keeps_amounts_numbers(client, hostile_coop):
    login(client, hostile_coop["entrepreneur"].email)
    rows = rows_of(client.get(EXPORTS["expenses.export"][1]))
    suppliers = {row[1] for row in rows[1:]}
    assert "'=1+2" in suppliers and "'-2+3" in suppliers and "'@SUM(A1)" in suppliers
    assert "'@note" in [row[12] for row in rows[1:]]
    assert all(re.fullmatch(r"\d+,\d\d", row[9]) for row in rows[1:])  # incl. VAT


def test_every_csv_route_is_among_the_exports_tested(app):
    rules = app.url_map.iter_rules()
    assert {rule.endpoint for rule in rules if rule.rule.endswith(".csv")} == set(EXPORTS)


def test_only_the_csv_helper_writes_csv():
    portal = Path(__file__).resolve().parents[2] / "portal"
    writers = {
        str(path.relative_to(portal))
        for path in portal.rglob("*.py")
        if re.search(r"^import csv|text/csv|csv\.writer", path.read_text(), re.MULTILINE)
    }
    assert writers == {"web/csv.py"}


def test_a_negative_amount_stays_a_number_and_text_that_looks_like_one_is_quoted():
    assert safe_cell(Decimal("-12.50")) == "-12,50"
    assert safe_cell(-3) == -3
    assert safe_cell("-12,50") == "'-12,50"
    assert safe_cell(None) == "" and safe_cell(date(2026, 1, 2)) == "2026-01-02"


def test_helper_streams_in_batches(app):
    with app.test_request_context():
        response = csv_response("x.csv", ["A"], ([n] for n in range(1200)))
        assert response.is_streamed
        chunks = list(response.response)
    assert len(chunks) == 4  # the header, two batches of 500, the rest
