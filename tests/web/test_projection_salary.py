"""The salary on the home page and the staff's list, from real invoices and payments: the
salary an activity sustains, the months due, the runway's horizon and who needs help first."""

from datetime import timedelta
from decimal import Decimal

from babel.numbers import format_currency

from portal.dates import paris_today
from portal.members.models import MemberStatus
from portal.payroll import compute_payslip
from portal.projection.months import add_months, first_of_month
from portal.projection.pay import largest_fundable
from portal.projection.records import record_balance, record_payslip
from portal.projection.services import coop_terms
from tests.helpers import earn, joined, login

TODAY = paris_today()
THIS_MONTH = first_of_month(TODAY)


def money(amount: Decimal) -> str:
    return format_currency(amount, "EUR", locale="fr_FR")


def supported(make_member, **fields):
    fields.setdefault("status", MemberStatus.SUPPORTED)
    return make_member(
        contract_hours_per_week=None,
        hourly_gross_rate_cents=None,
        activities=("Jardinage",),
        **fields,
    )


def test_supported_home_shows_the_salary_the_activity_sustains(
    client, db_session, coop, staff, make_member
):
    leo = supported(make_member)
    joined(db_session, leo, 3)
    earn(db_session, staff, leo, "3000", 2)
    earn(db_session, staff, leo, "3000", 1)
    # Three complete months since joining: (0 + 2 700 + 2 700) / 3 = 1 800 a month.
    employer = coop_terms(db_session).employer
    sustained = largest_fundable(Decimal(1800), None, THIS_MONTH, employer)
    whole_margin = largest_fundable(Decimal(5400), None, THIS_MONTH, employer)
    login(client, leo.email)
    page = client.get("/").text
    assert "Une fois salarié, votre activité pourrait vous verser" in page
    assert f"{money(sustained.net_before_tax)} net avant impôt par mois" in page
    assert money(whole_margin.net_before_tax) not in page
    assert "sa marge moyenne des 3 derniers mois (1\u202f800,00\u00a0€ par mois)" in page
    explain = client.get("/how-it-is-computed").text
    assert "Le salaire que votre activité peut verser durablement" in explain
    assert "Marge moyenne avant salaires des 3 derniers mois complets" in explain


def test_employee_without_contract_figures_sees_the_sustainable_salary(
    client, db_session, coop, staff, make_member
):
    member = supported(make_member, status=MemberStatus.EMPLOYEE)
    joined(db_session, member, 1)
    earn(db_session, staff, member, "3000", 1)
    sustained = largest_fundable(Decimal(2700), None, THIS_MONTH, coop_terms(db_session).employer)
    login(client, member.email)
    page = client.get("/").text
    assert "Pas encore de contrat enregistré : votre activité pourrait vous verser" in page
    assert f"{money(sustained.net_before_tax)} net avant impôt par mois" in page


def pay(db_session, member, month, gross="1508.00"):
    slip = compute_payslip(Decimal(gross), 24, month)
    record_payslip(
        db_session,
        member,
        period=f"{month:%Y-%m}",
        gross_cents=int(slip.gross * 100),
        net_cents=int(slip.net_before_tax * 100),
        employer_cost_cents=int(slip.employer_cost * 100),
        paid_on=month + timedelta(days=27),
    )


def test_home_counts_every_salary_due_since_the_last_payslip(logged_in, db_session, entrepreneur):
    joined(db_session, entrepreneur, 3)
    pay(db_session, entrepreneur, add_months(THIS_MONTH, -2))
    record_balance(db_session, entrepreneur, on=TODAY, amount_cents=2_000_000, today=TODAY)
    db_session.commit()
    last_month = compute_payslip(Decimal("1508.00"), 24, add_months(THIS_MONTH, -1))
    this_month = compute_payslip(Decimal("1508.00"), 24, THIS_MONTH)
    due = last_month.employer_cost + this_month.employer_cost
    page = logged_in.get("/").text
    assert "2 mois de salaire sont dus depuis votre dernière fiche de paie" in page
    assert money(due) in page
    assert money(Decimal(20000) - due) in page  # after the salaries due
    explain = logged_in.get("/how-it-is-computed").text
    assert "Salaires également dus depuis votre dernière fiche de paie" in explain


def test_a_long_runway_says_more_than_24_months(logged_in, db_session, entrepreneur):
    record_balance(db_session, entrepreneur, on=TODAY, amount_cents=900_000_000, today=TODAY)
    db_session.commit()
    page = logged_in.get("/").text
    assert "plus de 24 mois de salaire" in page
    assert (
        "4\u202f" not in page.split('id="margin-title"')[1].split("</dl>")[0].split("Autonomie")[1]
    )


def test_staff_list_ranks_supported_entrepreneurs_after_salaried_ones_and_says_why(
    client, db_session, coop, staff, make_member
):
    salaried = make_member(full_name="Alice Salariée")
    # Three months of salary (24 h at 14.50 €, about 1 580 € each), not four.
    cost = compute_payslip(Decimal("1508.00"), 24, THIS_MONTH).employer_cost
    record_balance(db_session, salaried, on=TODAY, amount_cents=int(cost * 350), today=TODAY)
    earning = supported(make_member, full_name="Bruno Accompagné")
    joined(db_session, earning, 1)
    earn(db_session, staff, earning, "9000", 1)
    idle = supported(make_member, full_name="Chloé Accompagnée")
    record_balance(db_session, idle, on=TODAY, amount_cents=100_000, today=TODAY)
    db_session.commit()
    login(client, staff.email)
    page = client.get("/staff/entrepreneurs").text
    # Bruno's margin pays his potential salary about once: a "runway" of 1 ranked him first.
    assert page.index("Alice Salariée") < page.index("Chloé Accompagnée")
    assert page.index("Chloé Accompagnée") < page.index("Bruno Accompagné")
    assert "3 mois" in page
    assert "pas encore de salaire" in page  # Chloé's activity sustains none
    assert "ils viennent donc selon le salaire que leur activité peut verser durablement" in page
