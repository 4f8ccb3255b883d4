"""What the invoice list and the live totals show, pinned byte for byte, so that making them
cheaper provably changes nothing a user sees.

The expected HTML is in tests/reference/sales/, written by the code as it was before the
speed work. Ids are replaced by their rank (databases hand out different ones); today is
fixed. After a deliberate change of these pages, rewrite the files with
`PORTAL_WRITE_REFERENCE=1 pytest tests/web/sales/test_pinned_output.py` and read the diff."""

import os
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from portal.sales.models import Customer, Invoice, InvoiceKind, InvoiceStatus
from tests.helpers import login

REFERENCE = Path(__file__).resolve().parents[2] / "reference" / "sales"
TODAY = date(2026, 11, 26)
HTMX = {"HX-Request": "true"}


def matches_reference(name: str, text: str) -> bool:
    path = REFERENCE / name
    if os.environ.get("PORTAL_WRITE_REFERENCE"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return text == path.read_text(encoding="utf-8")


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr("portal.sales.views.paris_today", lambda: TODAY)


# --- The invoice list ----------------------------------------------------------------------

# (status, kind, days before TODAY it was issued, total incl. VAT, paid, credited, customer)
HISTORY = [
    ("paid", "invoice", 400, 1_234_567_89, 1_234_567_89, 0, 0),
    ("sent", "invoice", 95, 120_00, 0, 0, 1),  # overdue
    ("partly_paid", "invoice", 70, 99_99, 33_33, 0, 2),  # overdue, part still due
    ("partly_paid", "invoice", 10, 5_000_00, 1_00, 0, 0),  # part still due, not overdue
    ("validated", "invoice", 3, 42_00, 0, 0, 1),
    ("sent", "invoice", 40, 10_00, 0, 10_00, 2),  # fully credited: nothing due
    ("sent", "invoice", 31, 300_00, 0, 100_00, 0),  # partly credited, overdue
    ("validated", "credit_note", 2, 100_00, 0, 0, 0),
    ("draft", "invoice", 0, 0, 0, 0, 1),
    ("submitted", "invoice", 1, 7_77, 0, 0, 2),
    ("returned", "invoice", 5, 18_50, 0, 0, 0),
    ("paid", "invoice", 30, 1_00, 1_00, 0, 1),  # paid on its due date
]


@pytest.fixture
def history(db_session, entrepreneur, make_member):
    """Thirty invoices of every status and kind (two pages), the newest first on the list,
    and one of another entrepreneur that staff see."""
    customers = [
        Customer(member_id=entrepreneur.id, name=name, siren="542107651")
        for name in ("Dupont & Fils <SARL>", "Boulangerie Durand", "Zoé Müller")
    ]
    db_session.add_all(customers)
    db_session.flush()
    rows = (HISTORY * 3)[:30]
    invoices = []
    for rank, (status, kind, days_ago, total, paid, credited, customer) in enumerate(rows, 1):
        issued = TODAY - timedelta(days=days_ago + rank)
        numbered = status not in ("draft", "submitted", "returned")
        invoice = Invoice(
            member_id=entrepreneur.id,
            customer_id=customers[customer].id,
            kind=InvoiceKind(kind),
            status=InvoiceStatus(status),
            credited_invoice_id=invoices[0].id if kind == "credit_note" else None,
            number=f"{'A' if kind == 'credit_note' else 'F'}2026-{rank:05d}" if numbered else None,
            issue_date=issued,
            due_date=issued + timedelta(days=30),
            total_excl_vat_cents=total * 5 // 6,
            vat_cents=total - total * 5 // 6,
            total_incl_vat_cents=total,
            paid_cents=paid,
            credited_cents=credited,
        )
        db_session.add(invoice)
        db_session.flush()
        invoices.append(invoice)
    other = make_member(email="other@example.org", full_name="Léa <Autre>")
    stranger = Customer(member_id=other.id, name="Client de Léa")
    db_session.add(stranger)
    db_session.flush()
    invoices.append(
        Invoice(
            member_id=other.id,
            customer_id=stranger.id,
            issue_date=TODAY,
            due_date=TODAY,
            total_incl_vat_cents=12_00,
        )
    )
    db_session.add(invoices[-1])
    db_session.commit()
    return invoices


def without_ids(text: str, invoices: list[Invoice]) -> str:
    rank = {invoice.id: n for n, invoice in enumerate(invoices, 1)}
    return re.sub(r"/invoices/(\d+)\b", lambda m: f"/invoices/<{rank[int(m[1])]}>", text)


def main_of(page: str) -> str:
    return re.search(r"<main .*?</main>", page, re.DOTALL).group(0)


def test_invoice_list_page_with_every_status_is_unchanged(logged_in, history):
    response = logged_in.get("/invoices")
    assert response.status_code == 200
    assert matches_reference(
        "invoice_list_page_1.html", without_ids(main_of(response.text), history)
    )


def test_invoice_list_second_page_fragment_is_unchanged(logged_in, history):
    response = logged_in.get("/invoices?page=2&q=&from=", headers=HTMX)
    assert response.status_code == 200
    assert matches_reference("invoice_list_page_2.html", without_ids(response.text, history))


def test_invoice_list_filtered_by_status_or_search_is_unchanged(logged_in, history):
    pages = [
        logged_in.get(path, headers=HTMX).text
        for path in (
            "/invoices?status=overdue",
            "/invoices?status=partly_paid",
            "/invoices?q=dupont",
            "/invoices?q=F2026-0000",
            f"/invoices?from={TODAY - timedelta(days=60)}&to={TODAY}",
        )
    ]
    assert matches_reference("invoice_list_filtered.html", without_ids("\n".join(pages), history))


def test_invoice_list_in_english_is_unchanged(logged_in, history):
    logged_in.post("/language", data={"locale": "en"})
    response = logged_in.get("/invoices", headers=HTMX)
    assert matches_reference("invoice_list_english.html", without_ids(response.text, history))


def test_staff_invoice_list_is_unchanged(client, staff, history):
    login(client, staff.email)
    first = client.get("/staff/invoices", headers=HTMX).text
    second = client.get("/staff/invoices?page=2", headers=HTMX).text
    text = without_ids(first + second, history)
    assert matches_reference("staff_invoice_list.html", text)


# --- Live totals -----------------------------------------------------------------------------


def typed(*lines, **extra) -> dict:
    """Form fields as the browser posts them: (description, quantity, unit, price, discount,
    rate) per line; None leaves a field out."""
    data = {}
    names = ("description", "quantity", "unit", "unit_price", "discount", "vat_rate")
    for index, line in enumerate(lines):
        for name, value in zip(names, line, strict=True):
            if value is not None:
                data[f"lines-{index}-{name}"] = value
    data.update(extra)
    return data


TOTALS_CASES = {
    "normal": typed(
        ("Atelier photo", "2", "HUR", "85,50", "", "20"),
        ("Déplacement", "1", "C62", "42", "10", "20"),
        ("Livre", "3", "C62", "12,35", "", "5.5"),
    ),
    "french and english numbers": typed(
        ("A", "1\u00a0000", "C62", "1 234,50 €", "", "20"),
        ("B", "0.5", "DAY", "1234.5", "12,5", "10"),
        ("C", " 2 ", "C62", "9\u202f999,99", "0", "2.1"),
        ("D", "1", "C62", "3,3333", "", "0"),
    ),
    "rounding half up per line": typed(
        ("A", "3", "C62", "0,335", "", "20"),
        ("B", "1", "C62", "0,005", "", "20"),
        ("C", "1", "C62", "0,125", "", "5.5"),
        ("D", "7", "C62", "1,11", "33,33", "10"),
    ),
    "nothing typed": {},
    "blank lines only": typed(("", "", "C62", "", "", "20"), ("  ", "1", "C62", "", "", "20")),
    "incomplete and blank lines skipped": typed(
        ("Prix manquant", "2", "C62", "", "", "20"),
        ("", "", "C62", "", "", "20"),
        ("Sans quantité", "", "C62", "10", "", "20"),
        ("Sans description", "1", "C62", "15", "", "20"),
        ("Complète", "1", "C62", "100", "", "20"),
    ),
    "gaps in line numbers": {
        "lines-7-description": "Sept",
        "lines-7-quantity": "1",
        "lines-7-unit_price": "70",
        "lines-7-vat_rate": "20",
        "lines-2-description": "Deux",
        "lines-2-quantity": "1",
        "lines-2-unit_price": "20",
        "lines-2-vat_rate": "10",
        "lines-x-description": "not a line",
        "linesfoo": "1",
    },
    "bad numbers": typed(
        ("Texte", "deux", "C62", "10", "", "20"),
        ("Deux virgules", "1", "C62", "1,2,3", "", "20"),
        ("Pas un nombre", "1", "C62", "NaN", "", "20"),
        ("Infini", "1", "C62", "Infinity", "", "20"),
        ("Exposant", "1", "C62", "1e3", "", "20"),
        ("Remise texte", "1", "C62", "10", "dix", "20"),
        ("Bonne", "1", "C62", "5", "", "20"),
    ),
    "bad rates and discounts": typed(
        ("Taux 19,6", "1", "C62", "100", "", "19.6"),
        ("Taux texte", "1", "C62", "100", "", "vingt"),
        ("Taux vide", "1", "C62", "100", "", ""),
        ("Sans taux", "1", "C62", "100", "", None),
        ("Remise 150", "1", "C62", "100", "150", "20"),
        ("Remise négative", "1", "C62", "100", "-5", "20"),
        ("Remise 100", "1", "C62", "100", "100", "20"),
        ("Taux 20.00", "1", "C62", "100", "", "20.00"),
        ("Unité inconnue", "1", "XXX", "100", "", "10"),
    ),
    "negative and huge amounts": typed(
        ("Négative", "-2", "C62", "100", "", "20"),
        ("Prix négatif", "1", "C62", "-50", "", "20"),
        ("Énorme", "1000000", "C62", "99999999,99", "", "20"),
    ),
    "duplicated fields take the first": {
        "lines-0-description": ["Premier", "Second"],
        "lines-0-quantity": ["2", "3"],
        "lines-0-unit_price": ["10", "20"],
        "lines-0-vat_rate": ["10", "20"],
    },
    "with the rest of the invoice form": typed(
        ("Atelier", "1", "HUR", "60", "", "20"),
        customer_id="12",
        customer_query="dup",
        issue_date="2026-11-02",
        **{"new_customer-name": "X", "action": "save", "form_token": "t"},
    ),
}


@pytest.mark.parametrize("case", TOTALS_CASES)
def test_live_totals_fragment_is_unchanged(logged_in, case):
    response = logged_in.post("/invoices/totals", data=TOTALS_CASES[case], headers=HTMX)
    assert response.status_code == 200
    name = "live_totals_" + re.sub(r"\W+", "_", case) + ".html"
    assert matches_reference(name, response.text)


def test_live_totals_of_many_lines_count_the_first_201_entries(logged_in):
    lines = [(f"Ligne {n}", "1", "C62", f"{n},01", "", "20") for n in range(1, 231)]
    response = logged_in.post("/invoices/totals", data=typed(*lines), headers=HTMX)
    assert matches_reference("live_totals_230_lines.html", response.text)


def test_live_totals_in_english_are_unchanged(logged_in):
    logged_in.post("/language", data={"locale": "en"})
    response = logged_in.post("/invoices/totals", data=TOTALS_CASES["normal"], headers=HTMX)
    assert matches_reference("live_totals_english.html", response.text)


def test_live_totals_without_htmx_are_the_same_fragment(logged_in):
    response = logged_in.post("/invoices/totals", data=TOTALS_CASES["normal"])
    assert matches_reference("live_totals_normal.html", response.text)


def test_invoice_list_links_each_invoice_to_its_page(app, logged_in, history):
    from flask import url_for

    with app.test_request_context():
        pages = {url_for("sales.show", invoice_id=invoice.id) for invoice in history[:30]}
    links = set()
    for page in (1, 2):
        text = logged_in.get(f"/invoices?page={page}", headers=HTMX).text
        links |= set(re.findall(r'<a href="(/invoices/\d+)">', text))
    assert links == pages
