"""The projection from real invoices, payments, credit notes and receipts, created through
the sales and expenses services, and the home page's fixed number of queries."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, insert, select

from portal.coop.models import ContributionBand, ContributionBasis, ContributionScheme
from portal.coop.services import coop_settings_for_update
from portal.dates import paris_today
from portal.db import utcnow
from portal.errors import DomainError
from portal.expenses import services as expenses
from portal.expenses.models import ExpenseCategory, PaidBy
from portal.members.models import MemberStatus
from portal.projection import compute, running_totals
from portal.projection.figures import WhatIf
from portal.projection.records import record_balance
from portal.projection.services import project_what_if, projection_for, what_if_basis
from portal.sales import services as sales
from portal.sales.customers import create_customer
from portal.sales.models import Invoice, Payment, Refund
from portal.sales.totals import LineInput
from tests.helpers import EARNING_CUSTOMER, count_queries, login
from tests.unit.test_uploads import png_bytes

TODAY = paris_today()


@pytest.fixture
def issue(db_session, coop, staff):
    """`issue(member, excl_vat, activity=0)`: an invoice at 20 % VAT, validated today."""
    customers = {}

    def make(member, excl_vat: str, activity: int = 0, on=TODAY) -> Invoice:
        if member.id not in customers:
            customers[member.id] = create_customer(db_session, member, EARNING_CUSTOMER)
        invoice, _ = sales.create_invoice(
            db_session,
            member,
            sales.InvoiceInput(
                customer=customers[member.id],
                issue_date=TODAY,
                due_date=None,
                lines=[LineInput("Traduction", Decimal(1), Decimal(excl_vat), Decimal(20))],
                activity_id=member.activities[activity].id,
            ),
        )
        sales.submit_invoice(db_session, invoice, utcnow())
        sales.validate_invoice(db_session, invoice, staff, on, utcnow())
        db_session.commit()
        return invoice

    return make


@pytest.fixture
def pay(db_session, staff):
    def make(invoice: Invoice, incl_vat: str, on=TODAY) -> None:
        sales.record_payment(db_session, invoice, Decimal(incl_vat), on, staff)
        db_session.commit()

    return make


@pytest.fixture
def spend(app_context, db_session, staff):
    """`spend(member, incl_vat, vat, approve=True)`: a receipt with its photo, in a category
    whose VAT the coop recovers in full."""
    counter = iter(range(1, 1000))

    def make(member, incl_vat: str, vat: str, approve: bool = True, activity: int | None = 0):
        category = db_session.scalar(
            select(ExpenseCategory).where(ExpenseCategory.name == "Abonnements")
        )
        receipt, _ = expenses.create_receipt(
            db_session,
            member,
            expenses.ReceiptInput(
                spent_on=TODAY,
                supplier="Papeterie Centrale",
                amount=Decimal(incl_vat),
                category_id=category.id,
                paid_by=PaidBy.MEMBER,
                vat_by_rate={Decimal("0.20"): Decimal(vat)},
                activity_id=None if activity is None else member.activities[activity].id,
            ),
            png_bytes(),
            f"{next(counter):032x}",
        )
        expenses.submit_receipt(db_session, receipt)
        if approve:
            expenses.approve_receipt(db_session, receipt, staff)
        db_session.commit()
        return receipt

    return make


def test_margin_counts_payments_excl_vat_less_contribution_and_expenses(
    db_session, entrepreneur, issue, pay, spend
):
    invoice = issue(entrepreneur, "1000")  # 1 200 € incl. VAT
    pay(invoice, "600")  # half: 500 € excl. VAT collected
    spend(entrepreneur, "120", "20")  # 100 € once the VAT is recovered
    projection = projection_for(db_session, entrepreneur, TODAY)
    # 500 collected − 10 % of the 1 000 invoiced − 100 of expenses.
    assert projection.margin == Decimal("300.00")
    assert projection.outstanding == Decimal("500.00")
    assert projection.margin_if_paid == Decimal("800.00")
    assert projection.vat_invoiced_this_year == Decimal("200.00")
    assert projection.vat_recoverable_this_year == Decimal("20.00")


def test_payment_share_excl_vat_is_rounded_to_the_cent(db_session, entrepreneur, issue, pay):
    invoice = issue(entrepreneur, "100")  # 120 € incl. VAT
    pay(invoice, "10")  # 10 × 100 / 120 = 8,333… → 8,33
    projection = projection_for(db_session, entrepreneur, TODAY)
    assert projection.months[-1].collected == Decimal("8.33")
    assert projection.outstanding == Decimal("91.67")  # 110 × 100 / 120


def test_contribution_on_collected_revenue_follows_payments(db_session, entrepreneur, issue, pay):
    coop_settings_for_update(db_session).contribution_basis = ContributionBasis.COLLECTED
    db_session.commit()
    invoice = issue(entrepreneur, "1000")
    pay(invoice, "600")
    projection = projection_for(db_session, entrepreneur, TODAY)
    assert projection.margin == Decimal("450.00")  # 500 − 10 % of 500
    assert projection.margin_if_paid == Decimal("900.00")  # + 500 − 50


def test_credit_note_takes_back_the_revenue_and_its_contribution(
    db_session, entrepreneur, issue, staff
):
    invoice = issue(entrepreneur, "1000")
    credit = sales.create_credit_note(db_session, invoice, TODAY)
    sales.submit_invoice(db_session, credit, utcnow())
    sales.validate_invoice(db_session, credit, staff, TODAY, utcnow())
    db_session.commit()
    projection = projection_for(db_session, entrepreneur, TODAY)
    assert projection.invoiced_this_year == 0
    assert projection.contribution_this_year == 0
    assert projection.outstanding == 0
    assert projection.margin == 0


def test_drafts_and_unapproved_receipts_do_not_count(db_session, entrepreneur, issue, spend, coop):
    customer = create_customer(db_session, entrepreneur, EARNING_CUSTOMER)
    sales.create_invoice(
        db_session,
        entrepreneur,
        sales.InvoiceInput(
            customer=customer,
            issue_date=TODAY,
            due_date=None,
            lines=[LineInput("Draft", Decimal(1), Decimal(5000), Decimal(20))],
        ),
    )
    spend(entrepreneur, "120", "20", approve=False)
    projection = projection_for(db_session, entrepreneur, TODAY)
    assert not projection.has_data


def test_another_members_invoices_stay_out(db_session, entrepreneur, make_member, issue, pay):
    other = make_member(activities=("Jardinage",))
    pay(issue(other, "5000"), "6000")
    assert not projection_for(db_session, entrepreneur, TODAY).has_data
    assert projection_for(db_session, other, TODAY).margin == Decimal("4500.00")


def test_home_page_shows_activities_latest_items_and_shortcuts(
    logged_in, entrepreneur, issue, pay, spend
):
    invoice = issue(entrepreneur, "1000", activity=0)
    issue(entrepreneur, "300", activity=1)
    pay(invoice, "1200")
    receipt = spend(entrepreneur, "120", "20", activity=1)
    page = logged_in.get("/").text
    assert 'href="/invoices/new"' in page and 'href="/receipts/new"' in page
    assert "Nouvelle facture" in page and "Nouvelle dépense" in page
    details = logged_in.get("/home/details", headers={"HX-Request": "true"}).text
    # Activities are listed by name: "Cours d'anglais" then "Traduction".
    assert "Cours d&#39;anglais" in details and "Traduction" in details
    assert f'href="/invoices/{invoice.id}"' in details
    assert f'href="/receipts/{receipt.id}"' in details


def test_home_first_screen_has_the_figures_and_the_chart_follows_after_load(
    logged_in, entrepreneur, issue, spend
):
    """The first answer holds the figures alone; htmx fetches the chart and the latest
    movements once the page has loaded, and without JavaScript a link opens them."""
    issue(entrepreneur, "1000", activity=0)
    spend(entrepreneur, "120", "20", activity=1)
    page = logged_in.get("/").text
    assert "Disponible maintenant" in page
    assert "<svg viewBox" not in page and "Par activité" not in page
    assert (
        '<div id="home-details" hx-get="/home/details" hx-trigger="load" hx-swap="outerHTML">'
        in page
    )
    assert '<a href="/home/details">' in page  # without JavaScript
    fragment = logged_in.get("/home/details", headers={"HX-Request": "true"})
    assert fragment.headers["Vary"].startswith("HX-Request")
    assert "<html" not in fragment.text
    assert "<svg viewBox" in fragment.text and "Par activité" in fragment.text
    assert 'href="/home/details"' not in fragment.text  # it replaces the link
    whole = logged_in.get("/home/details").text  # the link, followed without JavaScript
    assert "<html" in whole and "<svg viewBox" in whole
    assert 'href="/">Retour à la projection</a>' in whole


def test_home_details_are_the_members_own_and_staff_see_them_read_only(
    client, logged_in, entrepreneur, staff, make_member, issue
):
    issue(entrepreneur, "1000")
    other = make_member(activities=("Jardinage",))
    assert "Jardinage" not in logged_in.get("/home/details").text
    assert logged_in.get(f"/staff/entrepreneurs/{other.id}/details").status_code in (403, 404)
    logged_in.post("/logout")
    login(client, staff.email)
    assert client.get("/home/details").status_code == 404  # staff have no projection
    page = client.get(f"/staff/entrepreneurs/{entrepreneur.id}").text
    assert f'hx-get="/staff/entrepreneurs/{entrepreneur.id}/details"' in page
    details = client.get(f"/staff/entrepreneurs/{entrepreneur.id}/details").text
    assert "<svg viewBox" in details and "Camille Durand" in details
    assert client.get(f"/staff/entrepreneurs/{staff.id}/details").status_code == 404


def test_breakdown_per_activity_for_the_year(db_session, entrepreneur, issue, spend):
    issue(entrepreneur, "1000", activity=0)
    issue(entrepreneur, "300", activity=1)
    spend(entrepreneur, "120", "20", activity=1)
    spend(entrepreneur, "60", "10", activity=None)
    rows = projection_for(db_session, entrepreneur, TODAY).activities
    first, second = (activity.name for activity in entrepreneur.activities)
    assert [(row.name, row.invoiced, row.expenses) for row in rows] == [
        (first, Decimal("1000.00"), Decimal("0.00")),
        (second, Decimal("300.00"), Decimal("100.00")),
        (None, Decimal("0.00"), Decimal("50.00")),  # no activity: last
    ]


def test_new_payment_shows_on_the_next_request(logged_in, entrepreneur, issue, pay):
    invoice = issue(entrepreneur, "1000")
    before = logged_in.get("/how-it-is-computed").text
    pay(invoice, "1200")
    after = logged_in.get("/how-it-is-computed").text
    assert "1\u202f000,00\xa0€" in after.split("Paiements reçus")[1][:400]
    assert "1\u202f000,00\xa0€" not in before.split("Paiements reçus")[1][:400]


def test_old_movements_inside_the_balance_leave_the_margin_alone(
    db_session, entrepreneur, issue, pay
):
    long_ago = TODAY - timedelta(days=800)
    pay(issue(entrepreneur, "5000", on=long_ago), "6000", on=long_ago)
    # Without a balance from the back office, all of history counts.
    assert projection_for(db_session, entrepreneur, TODAY).margin == Decimal("4500.00")
    record_balance(
        db_session, entrepreneur, on=TODAY - timedelta(days=1), amount_cents=100_000, today=TODAY
    )
    pay(issue(entrepreneur, "1000"), "1200")
    projection = projection_for(db_session, entrepreneur, TODAY)
    assert projection.margin == Decimal("1900.00")  # 1 000 + 1 000 − 100
    basis = what_if_basis(db_session, entrepreneur, TODAY)
    what_if = project_what_if(basis, WhatIf(gross=Decimal(1800)))
    assert what_if.margin == projection.margin


def test_a_what_if_of_other_hours_or_gross_reuses_the_months_its_basis_keeps(
    db_session, entrepreneur, issue, pay, monkeypatch
):
    """Only more revenue changes the months: other hours or another gross project from the
    ledger the member's what-if basis keeps, to the figures a projection from scratch gives."""
    pay(issue(entrepreneur, "3000", on=TODAY - timedelta(days=70)), "3600")
    pay(issue(entrepreneur, "1000"), "1200")
    basis = what_if_basis(db_session, entrepreneur, TODAY)
    built = []
    build = compute.build_ledger
    monkeypatch.setattr(compute, "build_ledger", lambda inputs: built.append(1) or build(inputs))
    for what_if, months_built in (
        (WhatIf(hours_per_week=Decimal(30)), 0),
        (WhatIf(gross=Decimal(1800)), 0),
        (WhatIf(extra_revenue=Decimal(1000)), 1),
    ):
        built.clear()
        projection = project_what_if(basis, what_if)
        assert len(built) == months_built
        assert projection == compute.project(replace(basis.inputs, what_if=what_if))


def test_home_page_queries_do_not_grow_with_history(
    app, logged_in, db_session, entrepreneur, issue, pay, spend, monkeypatch
):
    # The pages' own queries: none served from the pages kept between requests.
    monkeypatch.setattr(app.extensions["page_cache"], "capacity", 0)

    def queries() -> tuple[int, int]:
        counts = []
        for path in ("/", "/home/details"):
            with count_queries(app.extensions["database"].engine) as counted:
                assert logged_in.get(path).status_code == 200
            counts.append(counted())
        return tuple(counts)

    invoice = issue(entrepreneur, "100")
    pay(invoice, "60")
    spend(entrepreneur, "12", "2")
    queries()  # the first request after login also refreshes the login session
    one = queries()
    # 1 999 more validated invoices, copies of the first with their own numbers and dates
    # (no lines: the totals the projection reads live on the invoice).
    template = {
        column.key: getattr(invoice, column.key)
        for column in Invoice.__table__.columns
        if column.key not in ("id", "number", "number_sequence", "form_token")
    }
    db_session.execute(
        insert(Invoice),
        [
            {
                **template,
                "number": f"BULK-{n}",
                "number_sequence": 10_000 + n,
                "issue_date": TODAY - timedelta(days=n % 700),
                "due_date": TODAY - timedelta(days=n % 700) + timedelta(days=30),
            }
            for n in range(1, 2_000)
        ],
    )
    running_totals.rebuild(db_session, [entrepreneur.id])
    db_session.commit()
    assert db_session.scalar(select(Invoice.id).order_by(Invoice.id.desc()).limit(1))
    assert queries() == one


def test_one_member_without_a_balance_is_summed_as_in_a_batch(
    db_session, entrepreneur, make_member, issue, pay, spend
):
    """A lone member without a balance has their own statements (grouped by month alone):
    they give the figures the coop-wide statements give, month by month."""
    from portal.projection.services import coop_terms, projections

    long_ago = TODAY - timedelta(days=400)
    pay(issue(entrepreneur, "5000", on=long_ago), "6000", on=long_ago)
    pay(issue(entrepreneur, "1000"), "600")
    spend(entrepreneur, "12", "2")
    other = make_member(activities=("Cours",))
    record_balance(
        db_session, other, on=TODAY - timedelta(days=10), amount_cents=50_000, today=TODAY
    )
    terms = coop_terms(db_session)
    alone = projections(db_session, [entrepreneur], TODAY, terms)[entrepreneur.id]
    batch = projections(db_session, [entrepreneur, other], TODAY, terms)[entrepreneur.id]
    assert alone.months[-1].collected == Decimal("500.00")  # 600 incl. VAT
    assert alone.months[-1].expenses == Decimal("10.00")
    assert alone == batch


@pytest.mark.parametrize(
    ("status", "balance_cents"),
    [
        (MemberStatus.SUPPORTED, 300_000),  # the projection solves the potential salary
        (MemberStatus.EMPLOYEE, 90_000),  # it solves the largest, the contract's too dear
        (MemberStatus.EMPLOYEE, 900_000),  # the contract's is funded: solved for the headline
    ],
)
def test_headline_solves_each_budget_once(
    db_session, make_member, monkeypatch, status, balance_cents
):
    """With nothing outstanding, the margin and the margin if everything is paid are one
    budget: the back office's figures solve it once, or not again if the projection did."""
    from portal.projection import pay
    from portal.projection.services import coop_terms, headline_for

    member = make_member(status=status)
    record_balance(
        db_session, member, on=TODAY - timedelta(days=1), amount_cents=balance_cents, today=TODAY
    )
    solved = []
    solve = pay.max_gross_for_budget

    def counted(budget, *args):
        solved.append((budget, *args))
        return solve(budget, *args)

    monkeypatch.setattr(pay, "max_gross_for_budget", counted)
    projection_for(db_session, member, TODAY)
    by_projection = len(solved)
    solved.clear()
    headline = headline_for(db_session, member, TODAY)
    assert len(solved) == max(by_projection, 1)
    assert len(solved) == len(set(solved))
    monkeypatch.undo()
    projection = headline.projection
    hours = projection.salary.hours_per_week if status is MemberStatus.EMPLOYEE else None
    expected = pay.largest_fundable(
        projection.margin, hours, projection.salary.period, coop_terms(db_session).employer
    )
    assert headline.max_fundable == headline.max_fundable_if_paid == expected is not None


def test_three_payments_of_a_third_add_up_to_the_invoice(db_session, entrepreneur, issue, pay):
    invoice = issue(entrepreneur, "1000")  # 1 200 € incl. VAT
    for _ in range(3):
        pay(invoice, "400")
    parts = db_session.scalars(select(Payment.amount_excl_vat_cents).order_by(Payment.id)).all()
    assert parts == [33_333, 33_334, 33_333]
    projection = projection_for(db_session, entrepreneur, TODAY)
    assert projection.months[-1].collected == Decimal("1000.00")  # not 1 000,01
    assert projection.margin == Decimal("900.00")
    assert projection.outstanding == 0


def test_unpaid_invoices_add_their_cents_not_half_cents(db_session, entrepreneur, issue):
    for _ in range(5):
        issue(entrepreneur, "83.33")  # 100,00 € incl. VAT
    projection = projection_for(db_session, entrepreneur, TODAY)
    assert projection.outstanding == Decimal("416.65")  # not 416,67


def test_outstanding_is_what_the_last_payments_will_bring(db_session, entrepreneur, issue, pay):
    invoice = issue(entrepreneur, "1000")
    pay(invoice, "400")  # 333,33 excl. VAT
    projection = projection_for(db_session, entrepreneur, TODAY)
    assert projection.outstanding == Decimal("666.67")
    pay(invoice, "800")
    projection = projection_for(db_session, entrepreneur, TODAY)
    assert projection.months[-1].collected == Decimal("1000.00")


@pytest.fixture
def credit(db_session, staff):
    """`credit(invoice, on=TODAY)`: a full credit note of the invoice, validated."""

    def make(invoice: Invoice, on=TODAY) -> Invoice:
        note = sales.create_credit_note(db_session, invoice, on)
        sales.submit_invoice(db_session, note, utcnow())
        sales.validate_invoice(db_session, note, staff, on, utcnow())
        db_session.commit()
        return note

    return make


@pytest.mark.parametrize("basis", [ContributionBasis.INVOICED, ContributionBasis.COLLECTED])
def test_credit_note_on_a_paid_invoice_owes_the_money_back(
    db_session, entrepreneur, issue, pay, credit, basis
):
    coop_settings_for_update(db_session).contribution_basis = basis
    db_session.commit()
    invoice = issue(entrepreneur, "1000")
    pay(invoice, "1200")
    note = credit(invoice)
    assert note.refund_due_cents == 120_000 and note.refund_owed_cents == 120_000
    projection = projection_for(db_session, entrepreneur, TODAY)
    # Not 1 000 (invoiced basis) nor 900 (collected basis): the money is the customer's.
    assert projection.margin == 0
    assert projection.contribution_this_year == 0


def test_credit_note_on_a_partly_paid_invoice_owes_what_was_paid(
    db_session, entrepreneur, issue, pay, credit
):
    invoice = issue(entrepreneur, "1000")
    pay(invoice, "600")
    note = credit(invoice)
    assert note.refund_due_cents == 60_000
    projection = projection_for(db_session, entrepreneur, TODAY)
    assert (projection.margin, projection.outstanding) == (0, 0)


def test_credit_note_on_an_unpaid_invoice_owes_nothing(db_session, entrepreneur, issue, credit):
    assert credit(issue(entrepreneur, "1000")).refund_due_cents == 0


def test_refund_settles_what_is_owed_and_leaves_the_margin_alone(
    db_session, entrepreneur, issue, pay, credit, staff
):
    invoice = issue(entrepreneur, "1000")
    pay(invoice, "1200")
    note = credit(invoice)
    sales.record_refund(db_session, note, Decimal("1000"), TODAY, staff, TODAY)
    sales.record_refund(db_session, note, Decimal("200"), TODAY, staff, TODAY)
    db_session.commit()
    assert (note.refunded_cents, note.refund_owed_cents) == (120_000, 0)
    assert projection_for(db_session, entrepreneur, TODAY).margin == 0


@pytest.mark.parametrize(
    ("amount", "on", "message"),
    [
        ("1200.01", TODAY, "€1,200.00"),  # the reader's locale: English outside a request
        ("0", TODAY, "above zero"),
        ("-5", TODAY, "above zero"),
        ("100", TODAY + timedelta(days=1), "between"),
        ("100", TODAY - timedelta(days=1), "between"),
    ],
)
def test_bad_refund_changes_nothing(
    db_session, entrepreneur, issue, pay, credit, staff, amount, on, message
):
    invoice = issue(entrepreneur, "1000")
    pay(invoice, "1200")
    note = credit(invoice)
    with pytest.raises(DomainError) as refused:
        sales.record_refund(db_session, note, Decimal(amount), on, staff, TODAY)
    assert message in str(refused.value.message).replace("\u202f", " ")
    db_session.rollback()
    assert note.refunded_cents == 0 and db_session.scalar(select(func.count(Refund.id))) == 0


def test_no_refund_on_a_credit_note_of_an_unpaid_invoice_nor_on_an_invoice(
    db_session, entrepreneur, issue, credit, staff
):
    invoice = issue(entrepreneur, "1000")
    note = credit(invoice)
    for document in (note, invoice):
        with pytest.raises(DomainError):
            sales.record_refund(db_session, document, Decimal("10"), TODAY, staff, TODAY)


def banded(db_session, *bands):
    settings = coop_settings_for_update(db_session)
    settings.contribution_scheme = ContributionScheme.BANDED
    db_session.add_all(
        ContributionBand(start_cents=start, rate=Decimal(rate)) for start, rate in bands
    )
    db_session.commit()


def test_credit_note_of_last_years_invoice_gives_back_last_years_contribution(
    db_session, entrepreneur, issue, credit
):
    # 10 % up to 10 000 €, 5 % above: last year's 15 000 + 5 000 paid 1 500.
    banded(db_session, (0, "0.10"), (1_000_000, "0.05"))
    last_year = date(TODAY.year - 1, 6, 1)
    issue(entrepreneur, "15000", on=last_year)
    old = issue(entrepreneur, "5000", on=last_year)
    issue(entrepreneur, "3000")  # this year: 300
    credit(old)
    projection = projection_for(db_session, entrepreneur, TODAY)
    # The credit note gives back what the 5 000 € paid last year, at its 5 % band: 250 €,
    # not this year's contribution on a negative base (nothing back, or 10 %).
    assert projection.contribution_this_year == Decimal("50.00")
    assert projection.invoiced_this_year == Decimal("-2000.00")


def test_balance_year_to_date_base_starts_the_bands_there(db_session, entrepreneur, issue):
    banded(db_session, (0, "0.10"), (1_000_000, "0.05"))
    today = date(2027, 3, 10)
    record_balance(
        db_session,
        entrepreneur,
        on=date(2027, 3, 1),
        amount_cents=0,
        today=today,
        year_to_date_base_cents=2_000_000,
    )
    issue(entrepreneur, "1000", on=date(2027, 3, 5))
    # 20 000 € invoiced this year before the balance: the 1 000 € fall in the 5 % band.
    assert projection_for(db_session, entrepreneur, today).margin == Decimal("-50.00")
