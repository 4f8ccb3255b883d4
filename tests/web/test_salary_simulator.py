"""The salary simulator page: gross or budget in, net and contributions out, in French."""

import re
from datetime import date
from decimal import Decimal

import pytest

from portal.coop.services import coop_settings_for_update
from portal.dates import paris_today
from portal.payroll import EmployerSettings, compute_payslip, max_gross_for_budget
from tests.helpers import login

HTMX = {"HX-Request": "true"}


def euros(amount: str) -> str:
    """How the page writes an amount in French: `1 957,05 €` with narrow spaces."""
    whole, cents = amount.split(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return "\u202f".join(groups) + "," + cents + "\u00a0€"


def expected(gross, hours=35, headcount=20, **settings):
    return compute_payslip(
        Decimal(gross), Decimal(hours), paris_today(), EmployerSettings(headcount, **settings)
    )


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get("/simulator?amount=2500")
    assert response.status_code == 302
    assert response.location.startswith("/login")


def test_gross_gives_the_engines_net_and_employer_cost(logged_in):
    response = logged_in.get("/simulator?mode=gross&amount=2500&hours_per_week=35")
    assert response.status_code == 200
    payslip = expected("2500")
    assert euros(f"{payslip.net_before_tax:.2f}") in response.text
    assert euros(f"{payslip.employer_cost:.2f}") in response.text
    assert "Salaire net avant impôt" in response.text
    assert "Réduction générale dégressive unique" in response.text
    assert "réduction générale (RGDU)" in response.text
    assert "<html" in response.text  # a full page without htmx


def test_budget_gives_the_highest_gross_that_fits(logged_in):
    response = logged_in.get("/simulator?mode=budget&amount=3000&hours_per_week=35")
    payslip = max_gross_for_budget(Decimal(3000), Decimal(35), paris_today(), EmployerSettings(20))
    assert euros(f"{payslip.gross:.2f}") in response.text
    assert euros(f"{payslip.net_before_tax:.2f}") in response.text
    assert "Votre budget mensuel" in response.text


def test_htmx_request_gets_the_result_fragment_only(logged_in):
    response = logged_in.get("/simulator?amount=2500&hours_per_week=35", headers=HTMX)
    assert response.status_code == 200
    assert "<html" not in response.text and "<form" not in response.text
    assert euros(f"{expected('2500').net_before_tax:.2f}") in response.text
    assert "HX-Request" in response.headers["Vary"]


def test_history_restore_gets_the_full_page(logged_in):
    headers = {**HTMX, "HX-History-Restore-Request": "true"}
    assert "<html" in logged_in.get("/simulator?amount=2500", headers=headers).text


def test_french_amounts_with_spaces_and_comma_are_understood(logged_in):
    response = logged_in.get(
        "/simulator", query_string={"amount": "2 500,50", "hours_per_week": "35"}
    )
    assert euros(f"{expected('2500.50').net_before_tax:.2f}") in response.text


def test_hours_default_to_the_members_contract(logged_in, entrepreneur):
    page = logged_in.get("/simulator").text
    assert re.search(r'name="hours_per_week"[^>]*value="24"', page)
    response = logged_in.get("/simulator?amount=1500")
    assert euros(f"{expected('1500', hours=24).net_before_tax:.2f}") in response.text


def test_hours_default_to_full_time_without_a_contract(client, make_member):
    member = make_member(contract_hours_per_week=Decimal(0))
    login(client, member.email)
    assert re.search(r'name="hours_per_week"[^>]*value="35"', client.get("/simulator").text)


def test_empty_page_invites_to_type_an_amount(logged_in):
    response = logged_in.get("/simulator")
    assert response.status_code == 200
    assert "Saisissez un montant" in response.text


def test_coop_headcount_and_rates_are_used(logged_in, db_session):
    settings = coop_settings_for_update(db_session)
    settings.headcount = 60
    settings.work_accident_rate = Decimal("0.03")
    settings.mobility_levy_rate = Decimal("0.02")
    db_session.commit()
    response = logged_in.get("/simulator?amount=2500&hours_per_week=35")
    payslip = expected(
        "2500",
        headcount=60,
        work_accident_rate=Decimal("0.03"),
        mobility_levy_rate=Decimal("0.02"),
    )
    assert payslip.employer_cost != expected("2500").employer_cost
    assert euros(f"{payslip.employer_cost:.2f}") in response.text


def test_below_minimum_wage_is_flagged_for_the_hours(logged_in):
    minimum = expected("1000", hours=35).minimum_wage
    response = logged_in.get("/simulator?amount=1000&hours_per_week=35", headers=HTMX)
    assert "En dessous du salaire minimum" in response.text
    assert euros(f"{minimum:.2f}") in response.text
    fine = logged_in.get("/simulator?amount=1000&hours_per_week=15", headers=HTMX)
    assert "En dessous du salaire minimum" not in fine.text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"amount": "-5"}, "Le salaire brut ne peut pas être négatif."),
        ({"amount": "2000000"}, "Le salaire brut ne peut pas dépasser 1\u202f000\u202f000 €."),
        ({"amount": "beaucoup"}, "Saisissez un nombre"),
        ({"amount": "-1", "mode": "budget"}, "Le budget ne peut pas être négatif."),
        ({"amount": "10", "mode": "budget"}, "Le budget ne couvre pas le plus petit salaire"),
        ({"amount": "2500", "hours_per_week": "60"}, "entre 1 et 48"),
        ({"amount": "2500", "hours_per_week": "0"}, "entre 1 et 48"),
        ({"amount": "2500", "hours_per_week": "trente"}, "Saisissez un nombre"),
        ({"amount": "2500", "mode": "both"}, "choix valide"),
    ],
)
def test_bad_input_gets_a_french_message_and_no_error_page(logged_in, query, message):
    for headers in ({}, HTMX):
        response = logged_in.get("/simulator", query_string=query, headers=headers)
        assert response.status_code == 200
        assert message in response.text, (query, headers)
        assert "Salaire net avant impôt" not in response.text


def test_bad_amount_is_shown_next_to_its_field_without_javascript(logged_in):
    page = logged_in.get("/simulator?amount=-5").text
    assert 'id="amount-error"' in page
    assert re.search(r'aria-describedby="amount-error"', page)


def test_simulator_form_is_a_get_form_with_live_updates(logged_in):
    page = logged_in.get("/simulator").text
    form = re.search(r"<form[^>]*hx-get=[^>]*>", page).group(0)
    assert 'method="get"' in form
    assert "input delay:" in form and 'hx-sync="this:replace"' in form
    assert 'hx-target="#simulation"' in form
    assert re.search(r'<button[^>]*type="submit"', page)


def test_simulator_page_has_no_inline_script(logged_in):
    page = logged_in.get("/simulator?amount=2500").text
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page) is None
    assert re.search(r"<[^>]+\s(on[a-z]+|style)=", page) is None


def test_staff_can_simulate_too(client, staff):
    login(client, staff.email)
    response = client.get("/simulator?amount=2500&hours_per_week=35")
    assert euros(f"{expected('2500').net_before_tax:.2f}") in response.text


def test_home_page_links_to_the_simulator(logged_in):
    page = logged_in.get("/").text
    assert 'href="/simulator"' in page and "Simuler mon salaire" in page


def test_simulator_is_not_in_the_bottom_navigation(logged_in):
    nav = re.search(r'<nav class="nav".*?</nav>', logged_in.get("/").text, re.S).group(0)
    assert "/simulator" not in nav


def test_rules_date_is_today_in_paris(logged_in):
    page = logged_in.get("/simulator?amount=2500").text
    assert str(paris_today().year) in page
    assert isinstance(paris_today(), date)


def test_simulator_writes_nothing(logged_in, db_session):
    from sqlalchemy import func, select

    from portal.coop.models import CoopSettings
    from portal.sync.models import Change

    before = db_session.scalar(select(func.count()).select_from(Change))
    logged_in.get("/simulator?amount=2500")
    assert db_session.scalar(select(func.count()).select_from(Change)) == before
    assert db_session.get(CoopSettings, 1) is None


def test_amount_is_a_text_input_with_a_decimal_keypad(logged_in):
    # A number input would refuse "2 500,50" in the browser before the server sees it.
    field = re.search(r'<input[^>]*name="amount"[^>]*>', logged_in.get("/simulator").text).group(0)
    assert 'type="text"' in field and 'inputmode="decimal"' in field


def test_full_contract_hours_show_as_a_plain_number(client, make_member):
    member = make_member(contract_hours_per_week=Decimal("40.00"))
    login(client, member.email)
    assert re.search(r'name="hours_per_week"[^>]*value="40"', client.get("/simulator").text)


def test_until_the_coop_saves_its_settings_the_simulator_reads_their_defaults(
    logged_in, db_session
):
    """As the home page's projection does: the same lines before the first save of the
    coop's settings and after a save that keeps the defaults (the health plan's included)."""
    url = "/simulator?mode=gross&amount=2500&hours_per_week=35"
    unsaved = logged_in.get(url, headers=HTMX).text
    coop_settings_for_update(db_session)
    db_session.commit()
    assert logged_in.get(url, headers=HTMX).text == unsaved
